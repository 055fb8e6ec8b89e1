# Locate Apache Arrow C++ (headers and shared libraries).
#
# arrow-sus runs inside the same process as pyarrow, so by default it links the very libarrow that the
# installed pyarrow wheel ships (same soname, same ABI): two different libarrow copies in one process would
# fight over global registries. A system Arrow is used only when ARROW_SUS_USE_SYSTEM_ARROW=ON.
#
# Defines the imported targets arrow_sus::arrow, ::parquet, ::arrow_s3, ::arrow_compute, ::arrow_acero and
# ::arrow_dataset, and the variable
# ARROW_SUS_ARROW_LIBDIR (where the shared libraries live, used for RPATHs).

option(ARROW_SUS_USE_SYSTEM_ARROW "Use a system Arrow found by find_package instead of pyarrow's" OFF)

if(ARROW_SUS_USE_SYSTEM_ARROW)
  find_package(Arrow CONFIG REQUIRED)
  find_package(Parquet CONFIG REQUIRED)
  add_library(arrow_sus::arrow ALIAS Arrow::arrow_shared)
  add_library(arrow_sus::parquet ALIAS Parquet::parquet_shared)
  find_package(ArrowDataset CONFIG REQUIRED)
  add_library(arrow_sus::arrow_dataset ALIAS ArrowDataset::arrow_dataset_shared)
  add_library(arrow_sus::arrow_compute INTERFACE IMPORTED)
  add_library(arrow_sus::arrow_acero INTERFACE IMPORTED)
  add_library(arrow_sus::arrow_s3 INTERFACE IMPORTED)
  get_target_property(ARROW_SUS_ARROW_LIBDIR Arrow::arrow_shared LOCATION)
  get_filename_component(ARROW_SUS_ARROW_LIBDIR "${ARROW_SUS_ARROW_LIBDIR}" DIRECTORY)
  return()
endif()

execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
          "import pyarrow as pa; print(pa.get_include()); print(pa.get_library_dirs()[0]); print(pa.__version__)"
  OUTPUT_VARIABLE _pa_out
  RESULT_VARIABLE _pa_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pa_rc EQUAL 0)
  message(FATAL_ERROR "arrow-sus needs pyarrow importable by ${Python_EXECUTABLE} to find Arrow C++ "
                      "(pip install 'pyarrow>=26,<27'), or -DARROW_SUS_USE_SYSTEM_ARROW=ON.")
endif()
string(REPLACE "\n" ";" _pa_out "${_pa_out}")
list(GET _pa_out 0 ARROW_SUS_ARROW_INCLUDE)
list(GET _pa_out 1 ARROW_SUS_ARROW_LIBDIR)
list(GET _pa_out 2 ARROW_SUS_PYARROW_VERSION)
message(STATUS "Arrow C++ from pyarrow ${ARROW_SUS_PYARROW_VERSION}: ${ARROW_SUS_ARROW_LIBDIR}")

# The wheel ships only versioned sonames (libarrow.so.2600; libarrow.2600.dylib on macOS), so link the file
# itself; on Windows, the import library (arrow.lib) beside the DLL. Only Linux is built and tested here.
if(WIN32)
  set(_arrow_sus_lib_pattern "@stem@.lib")
elseif(APPLE)
  set(_arrow_sus_lib_pattern "lib@stem@.[0-9]*.dylib")
else()
  set(_arrow_sus_lib_pattern "lib@stem@.so.[0-9]*")
endif()
function(_arrow_sus_import target stem)
  string(CONFIGURE "${_arrow_sus_lib_pattern}" _pattern @ONLY)
  file(GLOB _candidates "${ARROW_SUS_ARROW_LIBDIR}/${_pattern}")
  list(SORT _candidates)
  list(LENGTH _candidates _n)
  if(_n EQUAL 0)
    message(FATAL_ERROR "${_pattern} not found in ${ARROW_SUS_ARROW_LIBDIR}")
  endif()
  list(GET _candidates 0 _lib)  # shortest name sorts first: the soname itself
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${_lib}" IMPORTED_NO_SONAME FALSE
                                             INTERFACE_INCLUDE_DIRECTORIES "${ARROW_SUS_ARROW_INCLUDE}")
  if(WIN32)
    set_target_properties(${target} PROPERTIES IMPORTED_IMPLIB "${_lib}"
                                               IMPORTED_LOCATION "${ARROW_SUS_ARROW_LIBDIR}/${stem}.dll")
  endif()
endfunction()

_arrow_sus_import(arrow_sus::arrow arrow)
_arrow_sus_import(arrow_sus::parquet parquet)
_arrow_sus_import(arrow_sus::arrow_s3 arrow_s3)
_arrow_sus_import(arrow_sus::arrow_compute arrow_compute)
_arrow_sus_import(arrow_sus::arrow_acero arrow_acero)
_arrow_sus_import(arrow_sus::arrow_dataset arrow_dataset)
foreach(_lib parquet arrow_s3 arrow_compute)
  set_property(TARGET arrow_sus::${_lib} PROPERTY INTERFACE_LINK_LIBRARIES arrow_sus::arrow)
endforeach()
set_property(TARGET arrow_sus::arrow_acero PROPERTY INTERFACE_LINK_LIBRARIES arrow_sus::arrow_compute)
set_property(TARGET arrow_sus::arrow_dataset PROPERTY INTERFACE_LINK_LIBRARIES arrow_sus::arrow_acero
                                                                               arrow_sus::parquet)
