"""Authoring banks in the tools trainers use: spreadsheets (xlsx, csv) and Word in, xlsx, Moodle XML and GIFT out.

Every format goes through one mapping (`record`, `rows`): a `Record` is an item as its author wrote it, and a
row of cells becomes the same raw mapping a YAML bank holds, checked by `grader.bank.parse_item` itself, so an
imported item passes exactly the rules `qinglian bank check` applies. Heavy libraries (openpyxl, python-docx)
are imported inside the functions that need them."""
