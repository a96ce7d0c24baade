"""The hash-chained audit log: log (every writer appends through it), tables (what is audited),
verify and checkpoint (read every audited table; high in the house)."""
