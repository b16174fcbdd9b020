-- Every connection the program opens for writing.
-- Never reach out to the network for extensions: everything needed is built in.
SET autoinstall_known_extensions = false;
SET autoload_known_extensions = false;
-- Every row carries its own key (file and line, report row number) and every
-- export has an ORDER BY, so DuckDB may load and insert in parallel.
SET preserve_insertion_order = false;
-- DuckDB plans a statement again each time it runs, and this pass looks for
-- each operator's parent from the root, so its time grows with the square of
-- the plan: a good part of a small close's CPU, with no measurable gain on the
-- million-row close.
SET disabled_optimizers = 'projection_pullup';
-- A join whose build side has up to this many rows hands its keys to the scan on
-- the other side, which then reads only the row groups that may hold them: a
-- close finds the rows under its few old references (items left open for
-- months) without reading every row since (queries/reconcile/10_classify.sql).
SET dynamic_or_filter_threshold = 4096;
