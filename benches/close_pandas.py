"""The peer approach to seqr-recon's close, for `make bench-close` to time in
the same run: what an analyst would write with pandas over the same files.

It does the core of the job and nothing more: read the till's posts, pull the
rows out of SEQR's executeReport answer with a regular expression, merge on
the reference and count the categories. It keeps no history, checks no input,
stores nothing and writes no report; amounts are floats.

Usage: python close_pandas.py POSTS.csv EXECUTE_REPORT_ANSWER.xml
"""

import re
import sys

import numpy as np
import pandas as pd

posts_path, answer_path = sys.argv[1], sys.argv[2]

posts = pd.read_csv(
    posts_path,
    dtype={"terminal_id": str, "cashier_id": str, "ers_reference": str, "invoice_reference": str},
)

with open(answer_path, encoding="utf-8") as f:
    answer = f.read()
# The report is in the answer twice (base64 `content`, CDATA `contentString`): read the CDATA.
report = answer[answer.index("<contentString><![CDATA[") :]
rows = re.findall(
    r"<Row><TerminalId>([^<]*)</TerminalId><CashierId>([^<]*)</CashierId>"
    r"<SalesAmount>([^<]*)</SalesAmount><ErsReference>([^<]*)</ErsReference></Row>",
    report,
)
seqr = pd.DataFrame(rows, columns=["terminal_id", "cashier_id", "amount", "ers_reference"])
seqr["amount"] = seqr["amount"].astype(float)

duplicate = posts.duplicated("ers_reference", keep="first")
merged = posts[~duplicate].merge(seqr, on="ers_reference", how="outer", suffixes=("_pos", "_seqr"), indicator=True)
both = merged["_merge"] == "both"
category = np.select(
    [
        merged["_merge"] == "left_only",
        merged["_merge"] == "right_only",
        both & ((merged["amount_pos"] - merged["amount_seqr"]).abs() > 0.000005),
        both & (merged["terminal_id_pos"] != merged["terminal_id_seqr"]),
    ],
    ["MISSING_AT_SEQR", "MISSING_LOCALLY", "AMOUNT_MISMATCH", "TERMINAL_MISMATCH"],
    default="MATCHED",
)
counts = pd.Series(category).value_counts()
counts["DUPLICATE_LOCAL"] = int(duplicate.sum())
for name, n in sorted(counts.items()):
    print(f"{name},{n}")
