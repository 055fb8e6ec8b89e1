// arrow_sus._core: the compiled engine. Python code imports it through the arrow_sus package only.
#include "python/bindings.h"

NB_MODULE(_core, m) {
  m.doc() = "arrow-sus native engine (C++20). Use the arrow_sus package, not this module.";
  arrow_sus::python::RegisterErrorTranslator(m);
  arrow_sus::python::BindOptions(m);
  arrow_sus::python::BindCompletions(m);
  arrow_sus::python::BindCodec(m);
  arrow_sus::python::BindCatalog(m);
  arrow_sus::python::BindDictionary(m);
  arrow_sus::python::BindMeaning(m);
  arrow_sus::python::BindReader(m);
  arrow_sus::python::BindIo(m);
  arrow_sus::python::BindCache(m);
  arrow_sus::python::BindScan(m);
  arrow_sus::python::BindOutput(m);
  arrow_sus::python::BindTabwin(m);
  arrow_sus::python::BindReference(m);
}
