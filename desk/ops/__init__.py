"""The operations a user can ask for, grouped by use case.

The command line and the GUI both call these; neither reaches the store, the
file formats or the renderers any other way. Every write path applies the
rules that protect a table (``desk.domain.rules``) before the store is asked
to write:

- ``files``: create, open, take over, copy for the supervisor, the demo file;
- ``document``: an open file as the editor uses it (tables, findings,
  reviews, conflicts, rule-checked saves);
- ``checking``: 审核 of one table or a whole file;
- ``imports``: interchange JSON and Excel workbooks into a file;
- ``exports``: JSON, PDF and Excel out of a file;
- ``merge``: supervisors merging offices' files, and the unit overview;
- ``reviews``: 审核意见 set, exported and taken in.
"""
