# Build-time code generation: tools/gen_catalog.py turns the reviewed catalog under data/ into the C++
# tables behind include/arrow_sus/catalog/ (sorted constexpr arrays, compiled into arrow_sus_core).
set(ARROW_SUS_CATALOG_INPUTS
    "${PROJECT_SOURCE_DIR}/data/catalog.json" "${PROJECT_SOURCE_DIR}/data/ufs.json"
    "${PROJECT_SOURCE_DIR}/data/municipalities.tsv" "${PROJECT_SOURCE_DIR}/data/schemas.json"
    "${PROJECT_SOURCE_DIR}/data/periods.json")
file(GLOB ARROW_SUS_DICTIONARIES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/data/dictionary/*.json")
list(APPEND ARROW_SUS_CATALOG_INPUTS ${ARROW_SUS_DICTIONARIES})
set(ARROW_SUS_CATALOG_SOURCE "${CMAKE_CURRENT_BINARY_DIR}/generated/catalog_tables.cc")
add_custom_command(
  OUTPUT "${ARROW_SUS_CATALOG_SOURCE}"
  COMMAND "${Python_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/gen_catalog.py" "${PROJECT_SOURCE_DIR}/data"
          "${ARROW_SUS_CATALOG_SOURCE}"
  DEPENDS "${PROJECT_SOURCE_DIR}/tools/gen_catalog.py" ${ARROW_SUS_CATALOG_INPUTS}
  COMMENT "Generating the DATASUS catalog tables from data/"
  VERBATIM)
target_sources(arrow_sus_core PRIVATE "${ARROW_SUS_CATALOG_SOURCE}")

# The reference tables (data/reference/: tables.json and one TSV per table), compiled in by
# tools/gen_reference.py (include/arrow_sus/reference/compiled.h).
file(GLOB ARROW_SUS_REFERENCE_INPUTS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/data/reference/*")
set(ARROW_SUS_REFERENCE_SOURCE "${CMAKE_CURRENT_BINARY_DIR}/generated/reference_tables.cc")
add_custom_command(
  OUTPUT "${ARROW_SUS_REFERENCE_SOURCE}"
  COMMAND "${Python_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/gen_reference.py"
          "${PROJECT_SOURCE_DIR}/data/reference" "${ARROW_SUS_REFERENCE_SOURCE}"
  DEPENDS "${PROJECT_SOURCE_DIR}/tools/gen_reference.py" "${PROJECT_SOURCE_DIR}/tools/gen_catalog.py"
          ${ARROW_SUS_REFERENCE_INPUTS}
  COMMENT "Generating the reference tables from data/reference/"
  VERBATIM)
target_sources(arrow_sus_core PRIVATE "${ARROW_SUS_REFERENCE_SOURCE}")
