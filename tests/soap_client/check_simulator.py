"""The simulator as an independent SOAP client sees it.

zeep reads SEQR's WSDL and speaks to `seqr-recon sim serve` on a loopback
port through every operation the simulator serves, parsing each answer
against the WSDL's types: a malformed envelope, a missing or misordered
element fails here as it would fail a real integration.

Usage: check_simulator.py SEQR_RECON_BINARY WSDL
"""

import json
import re
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal

from zeep import Client, Settings

BINDING = "{http://external.interfaces.ers.seamless.com/}ERSWSExternalClientServiceServiceSoapBinding"
RESELLER = {"id": "acme-se", "type": "RESELLERUSER", "userId": "9900"}
RESELLER_PASSWORD = "demo-reseller-pass"
TERMINAL_ID = "5c1d0a7e93b44f4c8e2a61f0b7d3a9e2"
TERMINAL_PASSWORD = "demo-terminal-pass-1"


def context(principal, password, n):
    return {
        "channel": "WS",
        "clientId": "zeep check",
        "clientReference": f"zeep-{n}",
        "clientRequestTimeout": 0,
        "initiatorPrincipalId": principal,
        "password": password,
    }


def ok(answer, op):
    result = answer["resultCode"]
    assert result == 0, f"{op}: resultCode {result} ({answer['resultDescription']})"
    return answer


def invoice(total, title="zeep sale"):
    return {
        "paymentMode": "IMMEDIATE_DEBIT",
        "title": title,
        "clientInvoiceId": "zeep-1",
        "invoiceRows": {
            "invoiceRow": [
                {
                    "itemDescription": "coffee",
                    "itemQuantity": Decimal("1"),
                    "itemTotalAmount": {"currency": "SEK", "value": Decimal(total)},
                }
            ]
        },
        "totalAmount": {"currency": "SEK", "value": Decimal(total)},
        "cashierId": "anna",
    }


def main(binary, wsdl):
    sim = subprocess.Popen(
        [binary, "sim", "serve", "--addr", "127.0.0.1:0", "--sim-config", "config/sim.toml"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = sim.stderr.readline()
        base = re.search(r"http://[0-9.:]+", line).group(0)
        run(base, wsdl)
    finally:
        sim.terminate()
        sim.wait()


def run(base, wsdl):
    client = Client(wsdl, settings=Settings(strict=True, xml_huge_tree=True))
    seqr = client.create_service(BINDING, f"{base}/soap/merchant/cashregister-2")
    n = iter(range(1, 1000))
    reseller = lambda: context(RESELLER, RESELLER_PASSWORD, next(n))
    terminal_principal = {"id": TERMINAL_ID, "type": "TERMINALID"}
    terminal = lambda: context(terminal_principal, TERMINAL_PASSWORD, next(n))

    def post(path, body):
        request = urllib.request.Request(
            f"{base}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request).read()

    def pay(reference):
        post("/sim/customer/pay", {"invoice_reference": reference})

    # A terminal registered and given a SEQR id, then unregistered.
    registered = ok(seqr.registerTerminal(reseller(), "zeep-pos", "zeep-password-123456", "Zeep POS"), "registerTerminal")
    new_terminal = {"id": registered["terminalId"], "type": "TERMINALID"}
    ok(seqr.assignSeqrId(context(new_terminal, "zeep-password-123456", next(n)), "ZEEP123"), "assignSeqrId")
    ok(seqr.unregisterTerminal(context(new_terminal, "zeep-password-123456", next(n))), "unregisterTerminal")

    # A sale: sent, updated, paid, polled, its receipt read as integrations book it.
    sent = ok(seqr.sendInvoice(terminal(), invoice("42.50")), "sendInvoice")
    reference = sent["invoiceReference"]
    ok(seqr.updateInvoice(terminal(), reference, invoice("40.00", "zeep sale, discounted")), "updateInvoice")
    pay(reference)
    status = ok(seqr.getPaymentStatus(terminal(), reference, 0), "getPaymentStatus")
    assert status["status"] == "PAID", status
    receipt = status["receipt"]
    assert receipt["invoice"]["totalAmount"]["value"] == Decimal("40.00"), receipt
    assert receipt["payerTerminalId"] and receipt["receiverName"], receipt
    ers = receipt["paymentReference"]
    document = {"mimeType": "text/plain", "receiptData": b"receipt", "receiptType": "TEXT"}
    ok(seqr.submitPaymentReceipt(terminal(), ers, document), "submitPaymentReceipt")
    refund = invoice("10.00", "zeep refund")
    ok(seqr.refundPayment(terminal(), ers, refund), "refundPayment")

    # One nobody pays, canceled; a reservation committed.
    unpaid = ok(seqr.sendInvoice(terminal(), invoice("5.00")), "sendInvoice")["invoiceReference"]
    ok(seqr.cancelInvoice(terminal(), unpaid), "cancelInvoice")
    reserved = invoice("20.00")
    reserved["paymentMode"] = "RESERVATION_DESIRED"
    held = ok(seqr.sendInvoice(terminal(), reserved), "sendInvoice")["invoiceReference"]
    pay(held)
    ok(seqr.getPaymentStatus(terminal(), held, 0), "getPaymentStatus")
    ok(seqr.commitReservation(terminal(), held), "commitReservation")

    # The close: the period marked, each report read until it is ready.
    period = ok(seqr.markTransactionPeriod(reseller()), "markTransactionPeriod")["transactionPeriodId"]
    for report in ["Reconciliation/Shop.xml", "Reconciliation/STD_RECON_003.xml"]:
        parameters = {"parameter": {"entry": [{"key": "transactionPeriodId", "value": period}]}}
        for _ in range(50):
            answer = seqr.executeReport(reseller(), report, "en", parameters)
            if answer["resultCode"] == 0:
                break
            time.sleep(0.2)
        ok(answer, f"executeReport {report}")
        content = answer["report"]["contentString"]
        assert period in content, f"{report} names its period"
    # The typo of SEQR's published samples, as the fault switch serves it: zeep
    # refuses it, so the answers above were read as a real client reads them.
    post("/sim/faults", {"mismatched_envelope": True})
    try:
        seqr.executeReport(reseller(), "Reconciliation/STD_RECON_003.xml", "en", parameters)
    except Exception as e:  # zeep's XMLSyntaxError
        assert "mismatch" in str(e).lower() or "syntax" in type(e).__name__.lower(), repr(e)
    else:
        raise AssertionError("zeep read an envelope whose closing tag differs from its opening one")
    print("zeep read every answer of the simulator against the WSDL")


if __name__ == "__main__":
    main(*sys.argv[1:])
