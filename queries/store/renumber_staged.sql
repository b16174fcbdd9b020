-- The lines of the staged rows (stage_*.sql) when the reader skipped lines:
-- blank ones (pos_blank_lines, found while hashing the file) and refused ones.
-- Staged row k stands at line k + 1 + the number of skipped lines before it,
-- which is the number of skipped lines s_i (the i-th, in order) with
-- s_i - i <= k: an ASOF join on that nondecreasing gap.
UPDATE pos_staged SET line = fixed.line
FROM (
    WITH skipped AS (SELECT line FROM pos_blank_lines UNION SELECT line FROM pos_reject_errors),
    numbered AS (SELECT line - row_number() OVER (ORDER BY line) AS gap, row_number() OVER (ORDER BY line) AS n FROM skipped),
    gaps AS (SELECT gap, max(n) AS n FROM numbered GROUP BY gap)
    SELECT s.line AS staged_line, s.line + coalesce(g.n, 0) AS line
    FROM pos_staged s ASOF LEFT JOIN gaps g ON s.line - 1 >= g.gap
) fixed
WHERE pos_staged.line = fixed.staged_line;
