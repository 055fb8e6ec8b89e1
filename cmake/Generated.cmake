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
