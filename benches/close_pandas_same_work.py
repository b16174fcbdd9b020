"""The peer that does the close's own work, for `make bench-close` to time
beside seqr-recon in the same run: what an analyst would write with pandas to
produce the same three reports from the same files.

It reads SEQR's executeReport answer as SEQR sends it (the SOAP envelope
parsed, the report taken out of `contentString` and parsed as XML), reads the
till's posts, reconciles (the first copy of each reference, an outer merge on
the reference, the plain categories) and writes transactions.csv,
exceptions.csv and summary.csv. It keeps no history, checks no input and
stores nothing; amounts are floats.

Usage: python close_pandas_same_work.py POSTS.csv EXECUTE_REPORT_ANSWER.xml OUT_DIR
"""

import io
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

posts_path, answer_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]

# The SOAP answer, element by element: the report is the text of contentString.
report = None
for _, element in ET.iterparse(answer_path, events=("end",)):
    if element.tag.endswith("contentString"):
        report = element.text
    elif element.tag.endswith("content"):
        element.text = None  # the base64 copy of the same report is not needed
assert report is not None, "the answer holds no contentString"

# The report, row by row.
fields = {"TerminalId": [], "CashierId": [], "SalesAmount": [], "ErsReference": []}
for _, element in ET.iterparse(io.BytesIO(report.encode("utf-8")), events=("end",)):
    if element.tag in fields:
        fields[element.tag].append(element.text or "")
    elif element.tag == "Row":
        element.clear()
del report
seqr = pd.DataFrame(
    {
        "terminal_id": fields["TerminalId"],
        "cashier_id": fields["CashierId"],
        "amount": np.array(fields["SalesAmount"], dtype=float),
        "ers_reference": fields["ErsReference"],
    }
)
del fields

posts = pd.read_csv(
    posts_path,
    dtype={"terminal_id": str, "cashier_id": str, "ers_reference": str, "invoice_reference": str},
)

duplicate = posts.duplicated("ers_reference", keep="first")
merged = posts[~duplicate].merge(seqr, on="ers_reference", how="outer", suffixes=("_local", "_seqr"), indicator=True)
both = merged["_merge"] == "both"
merged["category"] = np.select(
    [
        merged["_merge"] == "left_only",
        merged["_merge"] == "right_only",
        both & ((merged["amount_local"] - merged["amount_seqr"]).abs() > 0.000005),
        both & (merged["terminal_id_local"] != merged["terminal_id_seqr"]),
    ],
    ["MISSING_AT_SEQR", "MISSING_LOCALLY", "AMOUNT_MISMATCH", "TERMINAL_MISMATCH"],
    default="MATCHED",
)
merged["terminal_id"] = merged["terminal_id_seqr"].fillna(merged["terminal_id_local"])
merged["cashier_id"] = merged["cashier_id_local"].fillna(merged["cashier_id_seqr"])
merged["difference"] = merged["amount_local"].fillna(0) - merged["amount_seqr"].fillna(0)
columns = [
    "category",
    "terminal_id",
    "cashier_id",
    "ers_reference",
    "invoice_reference",
    "amount_local",
    "amount_seqr",
    "difference",
    "posted_at",
]
copies = posts[duplicate].rename(columns={"amount": "amount_local", "cashier_id": "cashier_id"})
copies = copies.assign(category="DUPLICATE_LOCAL", amount_seqr=np.nan, difference=copies["amount_local"])
transactions = pd.concat([merged[columns], copies[columns]], ignore_index=True)
os.makedirs(out_dir, exist_ok=True)
transactions.to_csv(os.path.join(out_dir, "transactions.csv"), index=False)
exceptions = transactions[transactions["category"] != "MATCHED"].sort_values(["category", "terminal_id", "posted_at"])
exceptions.to_csv(os.path.join(out_dir, "exceptions.csv"), index=False)

summary = transactions.groupby("terminal_id").agg(
    seqr_count=("amount_seqr", "count"),
    seqr_total=("amount_seqr", "sum"),
    local_count=("amount_local", "count"),
    local_total=("amount_local", "sum"),
    exception_count=("category", lambda c: int((c != "MATCHED").sum())),
    difference=("difference", "sum"),
)
summary.loc["TOTAL"] = summary.sum()
summary.round(2).to_csv(os.path.join(out_dir, "summary.csv"))

for name, n in sorted(transactions["category"].value_counts().items()):
    print(f"{name},{n}")
