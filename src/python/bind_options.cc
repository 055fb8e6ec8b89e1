// arrow_sus._core.ReadOptions, ScanOptions and SourceOptions: the engine's option structs
// (dbf::ReadOptions, scan::ScanOptions, io::SourceOptions) as Python objects.
//
// The defaults are the structs' own member initializers: Python reads them from a fresh object and
// never repeats them. Every assignment (keyword of the constructor, attribute, replace()) is
// checked at once by the struct's Validate(), so an object always holds valid options; a bad value
// is an InvalidArgumentError naming the option and what it allows. Names and units are Python's
// (the keywords of arrow_sus.scan / read_dbc / open_source): seconds as floats, enums as their
// names.
#include <nanobind/stl/string.h>

#include <chrono>
#include <cmath>
#include <span>
#include <string>

#include "arrow_sus/dbf/options.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/scan.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

// One option of an options struct T, as Python sees it.
template <typename T>
struct Option {
  const char* name;
  const char* expected;  // what a value must be, for type errors: "an int", "a bool"...
  nb::object (*get)(const T&);
  void (*set)(T&, nb::handle);  // converts the Python value (nb::cast_error when it cannot)
};

arrow::Status InvalidOption(const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, {}, message);
}

template <typename V>
V Cast(nb::handle value) {
  return nb::cast<V>(value);
}

// A yes/no option takes any Python value by its truth, as bool() would.
bool Truth(nb::handle value) {
  const int truth = PyObject_IsTrue(value.ptr());
  if (truth < 0) throw nb::python_error();
  return truth != 0;
}

// Seconds (a Python float) as the milliseconds the structs keep; a value that is not a finite
// number of seconds cannot be kept at all and is rejected here (the rest by Validate).
std::chrono::milliseconds Millis(nb::handle value, const char* name) {
  const double seconds = nb::cast<double>(value);
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e9) {
    throw StatusError(InvalidOption(std::string(name) + " must be a number of seconds >= 0, got " +
                                    nb::cast<std::string>(nb::str(value))));
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

nb::object Seconds(std::chrono::milliseconds value) {
  return nb::cast(static_cast<double>(value.count()) / 1000.0);
}

nb::object Text(std::string_view text) { return nb::cast(std::string(text)); }

const Option<dbf::ReadOptions> kReadOptions[] = {
    {"batch_size", "an int", [](const dbf::ReadOptions& o) { return nb::cast(o.batch_size); },
     [](dbf::ReadOptions& o, nb::handle v) { o.batch_size = Cast<int64_t>(v); }},
    {"use_threads", "a bool", [](const dbf::ReadOptions& o) { return nb::cast(o.use_threads); },
     [](dbf::ReadOptions& o, nb::handle v) { o.use_threads = Truth(v); }},
    {"encoding", "a str",
     [](const dbf::ReadOptions& o) { return Text(dbf::EncodingName(o.encoding)); },
     [](dbf::ReadOptions& o, nb::handle v) {
       o.encoding = ValueOrThrow(dbf::ParseEncoding(Cast<std::string>(v)));
     }},
    {"decimals", "a str",
     [](const dbf::ReadOptions& o) { return Text(dbf::DecimalModeName(o.decimals)); },
     [](dbf::ReadOptions& o, nb::handle v) {
       o.decimals = ValueOrThrow(dbf::ParseDecimalMode(Cast<std::string>(v)));
     }},
    {"raw", "a bool", [](const dbf::ReadOptions& o) { return nb::cast(o.raw); },
     [](dbf::ReadOptions& o, nb::handle v) { o.raw = Truth(v); }},
    {"large_strings", "a bool", [](const dbf::ReadOptions& o) { return nb::cast(o.large_strings); },
     [](dbf::ReadOptions& o, nb::handle v) { o.large_strings = Truth(v); }},
    {"on_invalid", "a str",
     [](const dbf::ReadOptions& o) { return Text(dbf::InvalidPolicyName(o.on_invalid)); },
     [](dbf::ReadOptions& o, nb::handle v) {
       o.on_invalid = ValueOrThrow(dbf::ParseInvalidPolicy(Cast<std::string>(v)));
     }},
    {"on_truncated", "a str",
     [](const dbf::ReadOptions& o) { return Text(dbf::TruncatedPolicyName(o.on_truncated)); },
     [](dbf::ReadOptions& o, nb::handle v) {
       o.on_truncated = ValueOrThrow(dbf::ParseTruncatedPolicy(Cast<std::string>(v)));
     }},
    {"keep_deleted", "a bool", [](const dbf::ReadOptions& o) { return nb::cast(o.keep_deleted); },
     [](dbf::ReadOptions& o, nb::handle v) { o.keep_deleted = Truth(v); }},
};

const Option<scan::ScanOptions> kScanOptions[] = {
    {"schema", "a str",
     [](const scan::ScanOptions& o) { return Text(scan::SchemaModeName(o.schema_mode)); },
     [](scan::ScanOptions& o, nb::handle v) {
       o.schema_mode = ValueOrThrow(scan::ParseSchemaMode(Cast<std::string>(v)));
     }},
    {"cache", "a bool", [](const scan::ScanOptions& o) { return nb::cast(o.use_cache); },
     [](scan::ScanOptions& o, nb::handle v) { o.use_cache = Truth(v); }},
    {"cache_format", "a str",
     [](const scan::ScanOptions& o) { return Text(cache::ConvertedFormatName(o.cache_format)); },
     [](scan::ScanOptions& o, nb::handle v) {
       o.cache_format = ValueOrThrow(cache::ParseConvertedFormat(Cast<std::string>(v)));
     }},
    {"cache_dir", "a str (empty: $ARROW_SUS_CACHE or the platform's)",
     [](const scan::ScanOptions& o) { return nb::cast(o.cache_dir); },
     [](scan::ScanOptions& o, nb::handle v) { o.cache_dir = Cast<std::string>(v); }},
    {"ordered", "a bool", [](const scan::ScanOptions& o) { return nb::cast(o.ordered); },
     [](scan::ScanOptions& o, nb::handle v) { o.ordered = Truth(v); }},
    {"max_concurrent_files", "an int",
     [](const scan::ScanOptions& o) { return nb::cast(o.max_concurrent_files); },
     [](scan::ScanOptions& o, nb::handle v) { o.max_concurrent_files = Cast<int>(v); }},
    {"with_source", "a bool", [](const scan::ScanOptions& o) { return nb::cast(o.with_source); },
     [](scan::ScanOptions& o, nb::handle v) { o.with_source = Truth(v); }},
    {"verify_crc", "a bool", [](const scan::ScanOptions& o) { return nb::cast(o.verify_crc); },
     [](scan::ScanOptions& o, nb::handle v) { o.verify_crc = Truth(v); }},
};

const Option<io::SourceOptions> kSourceOptions[] = {
    {"max_connections", "an int",
     [](const io::SourceOptions& o) { return nb::cast(o.max_connections_per_host); },
     [](io::SourceOptions& o, nb::handle v) { o.max_connections_per_host = Cast<int>(v); }},
    {"connect_timeout", "a number of seconds",
     [](const io::SourceOptions& o) { return Seconds(o.connect_timeout); },
     [](io::SourceOptions& o, nb::handle v) { o.connect_timeout = Millis(v, "connect_timeout"); }},
    {"timeout", "a number of seconds",
     [](const io::SourceOptions& o) { return Seconds(o.timeout); },
     [](io::SourceOptions& o, nb::handle v) { o.timeout = Millis(v, "timeout"); }},
    {"low_speed_bytes_per_second", "an int",
     [](const io::SourceOptions& o) { return nb::cast(o.low_speed_bytes_per_second); },
     [](io::SourceOptions& o, nb::handle v) { o.low_speed_bytes_per_second = Cast<int64_t>(v); }},
    {"max_attempts", "an int",
     [](const io::SourceOptions& o) { return nb::cast(o.retry.max_attempts); },
     [](io::SourceOptions& o, nb::handle v) { o.retry.max_attempts = Cast<int>(v); }},
    {"initial_backoff", "a number of seconds",
     [](const io::SourceOptions& o) { return Seconds(o.retry.initial_backoff); },
     [](io::SourceOptions& o, nb::handle v) {
       o.retry.initial_backoff = Millis(v, "initial_backoff");
     }},
    {"max_backoff", "a number of seconds",
     [](const io::SourceOptions& o) { return Seconds(o.retry.max_backoff); },
     [](io::SourceOptions& o, nb::handle v) { o.retry.max_backoff = Millis(v, "max_backoff"); }},
    {"server_utc_offset_minutes", "an int",
     [](const io::SourceOptions& o) { return nb::cast(o.server_utc_offset_minutes); },
     [](io::SourceOptions& o, nb::handle v) { o.server_utc_offset_minutes = Cast<int>(v); }},
    {"list_command", "a str",
     [](const io::SourceOptions& o) { return nb::cast(o.ftp_list_command); },
     [](io::SourceOptions& o, nb::handle v) { o.ftp_list_command = Cast<std::string>(v); }},
};

// Sets one option of `options`, converted and checked; `options` is unchanged on error.
template <typename T>
void SetOption(T& options, const Option<T>& option, nb::handle value) {
  T changed = options;
  try {
    option.set(changed, value);
  } catch (const nb::cast_error&) {
    throw StatusError(InvalidOption(std::string(option.name) + " must be " + option.expected +
                                    ", got " + nb::cast<std::string>(nb::repr(value)) + " (" +
                                    nb::type_name(value.type()).c_str() + ")"));
  }
  ThrowIfError(changed.Validate());
  options = std::move(changed);
}

// Sets the options named by `kwargs`; an unknown name is an InvalidArgumentError listing the known.
template <typename T>
void SetOptions(T& options, std::span<const Option<T>> known, const char* class_name,
                const nb::kwargs& kwargs) {
  for (auto [key, value] : kwargs) {
    const std::string name = nb::cast<std::string>(key);
    const Option<T>* option = nullptr;
    std::string names;
    for (const Option<T>& o : known) {
      if (name == o.name) option = &o;
      names += (names.empty() ? "" : ", ") + std::string(o.name);
    }
    if (option == nullptr) {
      throw StatusError(InvalidOption(std::string(class_name) + " has no option '" + name +
                                      "' (options: " + names + ")"));
    }
    SetOption(options, *option, value);
  }
}

// Binds T as class_name: a constructor taking any options by keyword, one property per option,
// replace(**changes), to_dict(), equality and a repr listing every option.
template <typename T>
void BindOptionsClass(nb::module_& m, const char* class_name, const char* doc,
                      std::span<const Option<T>> known) {
  nb::class_<T> cls(m, class_name, doc);
  cls.def(
      "__init__",
      [known, class_name](T* self, const nb::kwargs& kwargs) {
        T options;
        SetOptions(options, known, class_name, kwargs);
        new (self) T(std::move(options));
      },
      "Options with the engine's defaults, changed by the given keywords (checked).");
  for (const Option<T>& option : known) {
    cls.def_prop_rw(
        option.name, [&option](const T& self) { return option.get(self); },
        [&option](T& self, nb::handle value) { SetOption(self, option, value); });
  }
  auto to_dict = [known](const T& self) {
    nb::dict out;
    for (const Option<T>& option : known) out[option.name] = option.get(self);
    return out;
  };
  cls.def("to_dict", to_dict, "Every option by name, in declaration order.");
  cls.def(
      "replace",
      [known, class_name](const T& self, const nb::kwargs& kwargs) {
        T options = self;
        SetOptions(options, known, class_name, kwargs);
        return options;
      },
      "A copy with the given options changed (checked).");
  cls.def("__eq__", [to_dict](const T& self, nb::handle other) -> nb::object {
    if (!nb::isinstance<T>(other)) return nb::borrow(Py_NotImplemented);
    return to_dict(self).equal(to_dict(nb::cast<const T&>(other))) ? nb::borrow(Py_True)
                                                                   : nb::borrow(Py_False);
  });
  cls.attr("__hash__") = nb::none();  // mutable
  cls.def("__repr__", [known, class_name](const T& self) {
    std::string text = std::string(class_name) + "(";
    for (size_t i = 0; i < known.size(); ++i) {
      if (i > 0) text += ", ";
      text +=
          std::string(known[i].name) + "=" + nb::cast<std::string>(nb::repr(known[i].get(self)));
    }
    return text + ")";
  });
}

}  // namespace

void BindOptions(nb::module_& m) {
  BindOptionsClass<dbf::ReadOptions>(
      m, "ReadOptions",
      "How DBF records are read and converted (dbf::ReadOptions): batch_size, encoding, "
      "decimals, raw, on_invalid, on_truncated, keep_deleted, large_strings, use_threads.",
      kReadOptions);
  BindOptionsClass<scan::ScanOptions>(
      m, "ScanOptions",
      "How a multi-file scan runs (scan::ScanOptions): schema, cache, cache_format, cache_dir, "
      "ordered, max_concurrent_files, with_source, verify_crc.",
      kScanOptions);
  BindOptionsClass<io::SourceOptions>(
      m, "SourceOptions",
      "How a source is reached (io::SourceOptions): connections per host, timeouts (seconds), "
      "retries, the FTP listing's time zone and command.",
      kSourceOptions);
}

}  // namespace arrow_sus::python
