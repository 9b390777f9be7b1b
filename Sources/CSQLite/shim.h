// The system SQLite, plus what its macros hide from Swift.
#ifndef GLOSS_CSQLITE_SHIM_H
#define GLOSS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT: SQLite copies the bound value before the call returns.
static inline sqlite3_destructor_type gloss_sqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC: the caller keeps the bound value alive until the statement is reset.
static inline sqlite3_destructor_type gloss_sqlite_static(void) { return SQLITE_STATIC; }
#endif
