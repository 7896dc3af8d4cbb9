"""Families of offset asserts: two structs kept in step by a list of `offsetof` comparisons.

model.py is the plain data (what `scan` reports and what spec v2 grows from);
sites.py reads one C file's assert sites through the project's one C reader
(codegen.creader); discover.py groups the sites of a whole tree into families.
"""
