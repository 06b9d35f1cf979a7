/*
 * schema_int.h - the SQL of each step of the store's schema, defined in
 * schema_<area>.c by what it is about, listed in order in migrate.c.
 */
#ifndef STORE_SCHEMA_INT_H
#define STORE_SCHEMA_INT_H

extern const char schema_v1[];
extern const char schema_v2[];
extern const char schema_v3[];
extern const char schema_v4[];
extern const char schema_v5[];
extern const char schema_v6[];
extern const char schema_v7[];
extern const char schema_v8[];
extern const char schema_v10[];
extern const char schema_v11[];
extern const char schema_v12[];
extern const char schema_v13[];
extern const char schema_v14[];
extern const char schema_v15[];
extern const char schema_v17[];
extern const char schema_v18[];
extern const char schema_v19[];
extern const char schema_v20[];
extern const char schema_v21[];
extern const char schema_v22[];
extern const char schema_v23[];
extern const char schema_v24[];
extern const char schema_v25[];
extern const char schema_v26[];
extern const char schema_v27[];
extern const char schema_v29[];
extern const char schema_v30[];
extern const char schema_v31[];
extern const char schema_v32[];
extern const char schema_v33[];
extern const char schema_v34[];
extern const char schema_v35[];
extern const char schema_v36[];
extern const char schema_v37[];
extern const char schema_v38[];
extern const char schema_v40[];
extern const char schema_v41[];
extern const char schema_v42[];
extern const char schema_v44[];
extern const char schema_v47[];
extern const char schema_v49[];
extern const char schema_v50[];
extern const char schema_v51[];
extern const char schema_v54[];
extern const char schema_v57[];
extern const char schema_v58[];
extern const char schema_v59[];
extern const char schema_v60[];
extern const char schema_v61[];
extern const char schema_v63[];
extern const char schema_v64[];
extern const char schema_v66[];

#endif
