"""The gradebook: nbgrader's tables (owned by nbgrader) plus qinglian's own (prefix ``ql_``),
in one database. The caller opens the engine (`engine.connect`) and owns every transaction;
`database.migrate` brings the schema up to date. Importing this package loads neither, so a
page's kernel pays only for what it uses."""
