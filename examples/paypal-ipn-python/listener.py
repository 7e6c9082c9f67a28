#!/usr/bin/env python3
"""A PayPal classic IPN listener, written the way real ones are (django-paypal, Paid Memberships Pro), on the Python 3
standard library only: http.server, sqlite3, urllib.request.

    python3 listener.py --port 8000 --db shop.db --gateway https://ipnpb.paypal.com \
        --receiver-email seller@example.com [--bug NAME]

POST /ipn: the raw form body is posted back to {gateway}/cgi-bin/webscr as `cmd=_notify-validate&` + the exact bytes
received (never re-encoded: PayPal answers VERIFIED only to its own bytes), and applied only on VERIFIED, inside one
SQLite transaction that commits before the 200 goes out. GET /health answers 200 (optional; the SQL probe needs none).

The shop's own tables and words: `orders` (state 'open', 'awaiting_clearance', 'completed', 'payment_failed',
'held_for_review', 'part_refunded', 'refunded', 'charged_back'), `ipn_messages` (every message received, with what was
done with it), `shipments` (the fulfilment: one per order) and `refunds` (one per refund transaction).

Planted bugs (--bug), for the gauntlet to catch:
  txn-id-only           deduplicate on txn_id alone: the Completed that follows a Pending of the same txn_id is
                        dropped as a duplicate (a common real bug: PayPal reuses the txn_id for the status change).
  credits-per-delivery  no deduplication at all: every redelivery of a Completed ships again, of a Refunded refunds
                        again.
  no-postback           apply without asking the gateway whether it sent the message.
"""

from __future__ import annotations

import argparse
import codecs
import sqlite3
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from calendar import timegm
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import strptime

BUGS = ("txn-id-only", "credits-per-delivery", "no-postback")
MAX_BODY = 64 * 1024
# An oversized body is read and dropped up to this much before the 413, so the sender sees the answer rather than a
# broken pipe halfway through its upload; beyond it the connection is closed.
DRAIN_LIMIT = 16 * 1024 * 1024
VALIDATE_PREFIX = b"cmd=_notify-validate&"

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  total TEXT NOT NULL,              -- decimal string in major units, as the shop priced it
  currency TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',
  amount_paid TEXT NOT NULL DEFAULT '0',
  amount_refunded TEXT NOT NULL DEFAULT '0',
  review_note TEXT,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT
);
CREATE TABLE IF NOT EXISTS ipn_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  raw BLOB NOT NULL,
  txn_id TEXT,
  parent_txn_id TEXT,
  payment_status TEXT,
  txn_type TEXT,
  invoice TEXT,
  receiver_email TEXT,
  mc_gross TEXT,
  mc_currency TEXT,
  payment_time INTEGER,             -- payment_date as unix seconds
  -- 'received' (postback in flight), 'applied', 'duplicate', 'invalid', 'not_ours', 'ignored'
  outcome TEXT NOT NULL DEFAULT 'received',
  note TEXT
);
CREATE INDEX IF NOT EXISTS ipn_messages_txn ON ipn_messages (txn_id, payment_status, outcome);
CREATE INDEX IF NOT EXISTS ipn_messages_invoice ON ipn_messages (invoice, outcome);
CREATE TABLE IF NOT EXISTS shipments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL REFERENCES orders (id),
  txn_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL REFERENCES orders (id),
  txn_id TEXT NOT NULL,
  parent_txn_id TEXT,
  amount TEXT NOT NULL,             -- positive decimal string
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


class Settings:
    def __init__(self, db: str, gateway: str, receiver_email: str, bug: str | None) -> None:
        self.db = db
        self.postback_url = gateway.rstrip("/") + "/cgi-bin/webscr"
        self.receiver_email = receiver_email
        self.bug = bug


def connect(path: str) -> sqlite3.Connection:
    # Autocommit mode: every transaction below is an explicit BEGIN IMMEDIATE, so writers queue on SQLite's lock.
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


# --- the form -----------------------------------------------------------------------------------------------------


class BadForm(ValueError):
    pass


def codec_of(label: bytes | None) -> str:
    """The codec the IPN's own `charset` field names; PayPal's default is windows-1252."""
    if label is None:
        return "cp1252"
    name = label.decode("latin-1").strip().lower().replace("_", "-")
    if name in ("windows-1252", "cp1252"):
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError as error:
        raise BadForm(f"unknown charset {name!r}") from error


def parse_form(raw: bytes) -> dict[str, str]:
    """The fields of an x-www-form-urlencoded body, decoded in the charset its `charset` field names; a field sent
    twice keeps its first value."""
    pairs: list[tuple[bytes, bytes]] = []
    for part in raw.split(b"&"):
        if part == b"":
            continue
        name, _, value = part.partition(b"=")
        pairs.append(
            (
                urllib.parse.unquote_to_bytes(name.replace(b"+", b" ")),
                urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")),
            )
        )
    label = next((value for name, value in pairs if name == b"charset"), None)
    codec = codec_of(label)
    fields: dict[str, str] = {}
    for name, value in pairs:
        key = name.decode(codec, errors="replace")
        if key not in fields:
            fields[key] = value.decode(codec, errors="replace")
    return fields


def payment_time(text: str | None) -> int | None:
    """PayPal's payment_date, `20:12:59 Jan 13, 2026 PST` (Pacific time) → unix seconds."""
    if not text:
        return None
    try:
        clock, zone = text.rsplit(" ", 1)
        parsed = strptime(clock, "%H:%M:%S %b %d, %Y")
    except ValueError:
        return None
    offsets = {"PST": 8 * 3600, "PDT": 7 * 3600}
    if zone not in offsets:
        return None
    return timegm(parsed) + offsets[zone]


def decimal_of(text: str | None) -> Decimal | None:
    try:
        value = Decimal(text or "")
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# --- the postback -------------------------------------------------------------------------------------------------


class GatewayUnreachable(Exception):
    pass


def ask_paypal(settings: Settings, raw: bytes) -> bool:
    """Whether PayPal sent these exact bytes: POST `cmd=_notify-validate&` + the raw body, answered VERIFIED."""
    request = urllib.request.Request(
        settings.postback_url,
        data=VALIDATE_PREFIX + raw,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "shop-ipn-listener/1.0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read(64).decode("ascii", errors="replace").strip()
    except (urllib.error.URLError, OSError) as error:
        raise GatewayUnreachable(str(error)) from error
    return answer == "VERIFIED"


# --- applying a verified IPN --------------------------------------------------------------------------------------

HANDLED = ("Completed", "Pending", "Failed", "Denied", "Refunded", "Reversed", "Canceled_Reversal")


def is_duplicate(conn: sqlite3.Connection, settings: Settings, ipn: dict[str, str]) -> bool:
    if settings.bug == "credits-per-delivery":
        return False
    if settings.bug == "txn-id-only":
        row = conn.execute(
            "SELECT 1 FROM ipn_messages WHERE txn_id = ? AND outcome = 'applied'", (ipn["txn_id"],)
        ).fetchone()
        return row is not None
    # PayPal sends one txn_id through several statuses (Pending → Completed → Refunded on the parent): the pair is
    # the message's identity, and a redelivery repeats both.
    row = conn.execute(
        "SELECT 1 FROM ipn_messages WHERE txn_id = ? AND payment_status = ? AND outcome = 'applied'",
        (ipn["txn_id"], ipn["payment_status"]),
    ).fetchone()
    return row is not None


def matches(order: sqlite3.Row | tuple, gross: Decimal, currency: str) -> bool:
    total, order_currency = Decimal(order[1]), order[2]
    return gross == total and currency.upper() == order_currency.upper()


def apply_ipn(conn: sqlite3.Connection, settings: Settings, message_id: int, ipn: dict[str, str]) -> str:
    """Inside the caller's transaction: record the message's side effects, then recompute the order's state from every
    message applied to it (so arrival order never matters). Returns the message's outcome."""
    if ipn.get("receiver_email", "").lower() != settings.receiver_email.lower():
        return "not_ours"
    status, txn_id, invoice = ipn.get("payment_status", ""), ipn.get("txn_id", ""), ipn.get("invoice", "")
    if status not in HANDLED or txn_id == "" or invoice == "":
        return "ignored"  # another txn_type, a status nobody here handles, or no order reference
    order = conn.execute("SELECT id, total, currency FROM orders WHERE id = ?", (invoice,)).fetchone()
    gross = decimal_of(ipn.get("mc_gross"))
    if order is None or gross is None or not ipn.get("mc_currency"):
        return "ignored"
    if is_duplicate(conn, settings, ipn):
        return "duplicate"
    conn.execute("UPDATE ipn_messages SET outcome = 'applied' WHERE id = ?", (message_id,))
    if status == "Completed" and matches(order, gross, ipn["mc_currency"]):
        conn.execute("INSERT INTO shipments (order_id, txn_id) VALUES (?, ?)", (invoice, txn_id))
    if status == "Refunded":
        conn.execute(
            "INSERT INTO refunds (order_id, txn_id, parent_txn_id, amount) VALUES (?, ?, ?, ?)",
            (invoice, txn_id, ipn.get("parent_txn_id"), str(abs(gross))),
        )
    recompute(conn, order)
    return "applied"


PENDING_RANK = {"Pending": 0, "Failed": 1, "Denied": 1}
REVERSAL_RANK = {"Reversed": 0, "Canceled_Reversal": 1}


def newest(rows: list[tuple], rank: dict[str, int]) -> str | None:
    """The status of the newest message by PayPal's payment_date; on a tie the later step of the lifecycle wins."""
    ordered = sorted(rows, key=lambda row: (row[3] or 0, rank[row[0]]))
    return ordered[-1][0] if ordered else None


def recompute(conn: sqlite3.Connection, order: tuple) -> None:
    order_id, total = order[0], Decimal(order[1])
    rows = conn.execute(
        "SELECT payment_status, mc_gross, mc_currency, payment_time FROM ipn_messages "
        "WHERE invoice = ? AND outcome = 'applied'",
        (order_id,),
    ).fetchall()
    completed = [row for row in rows if row[0] == "Completed"]
    paid = any(matches(order, Decimal(row[1]), row[2]) for row in completed)
    mismatched = [row for row in completed if not matches(order, Decimal(row[1]), row[2])]
    refunded = Decimal(0)
    if paid:
        for (amount,) in conn.execute("SELECT amount FROM refunds WHERE order_id = ?", (order_id,)):
            refunded += Decimal(amount)
    note = None
    if mismatched:
        # Paid, but not what the order asked: a person looks at it; nothing more ships.
        state = "held_for_review"
        note = f"paid {mismatched[0][1]} {mismatched[0][2]}, order is {order[1]} {order[2]}"
    elif paid:
        reversal = newest([row for row in rows if row[0] in REVERSAL_RANK], REVERSAL_RANK)
        if reversal == "Reversed":
            state = "charged_back"
        elif refunded >= total and refunded > 0:
            state = "refunded"
        elif refunded > 0:
            state = "part_refunded"
        else:
            state = "completed"
    else:
        latest = newest([row for row in rows if row[0] in PENDING_RANK], PENDING_RANK)
        state = {None: "open", "Pending": "awaiting_clearance"}.get(latest, "payment_failed")
    conn.execute(
        "UPDATE orders SET state = ?, amount_paid = ?, amount_refunded = ?, review_note = ?, "
        "updated_at = CURRENT_TIMESTAMP WHERE id = ?",
        (state, order[1] if paid else "0", str(refunded), note, order_id),
    )


# --- HTTP ---------------------------------------------------------------------------------------------------------


# One writer at a time inside this process. SQLite allows one anyway (BEGIN IMMEDIATE), but its busy handler can sleep
# in whole seconds where the library was built without usleep: 8 copies of one IPN at once would then take seconds.
write_lock = threading.Lock()


class Listener(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that stops sending mid-body is dropped, not waited on forever
    settings: Settings
    local = threading.local()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass

    def db(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = connect(self.settings.db)
            self.local.conn = conn
        return conn

    def answer(self, code: int, text: str) -> None:
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, size = [], 0
            for _ in range(10_000):
                length = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    self.rfile.readline(64)
                    return b"".join(chunks) if size <= MAX_BODY else None
                size += length
                if size > DRAIN_LIMIT:
                    return None
                data = self.rfile.read(length)
                if size <= MAX_BODY:
                    chunks.append(data)
                self.rfile.readline(64)
            return None
        length = int(self.headers.get("Content-Length") or "0")
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_BODY:
            left = min(length, DRAIN_LIMIT)
            while left > 0:
                chunk = self.rfile.read(min(left, 64 * 1024))
                if not chunk:
                    break
                left -= len(chunk)
            return None
        return self.rfile.read(length)

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/ipn":
            self.answer(404, "not found")
            return
        try:
            raw = self.read_body()
        except ValueError:
            self.close_connection = True
            self.answer(400, "bad length")
            return
        if raw is None:
            self.close_connection = True
            self.answer(413, "too large")
            return
        try:
            ipn = parse_form(raw)
        except BadForm as error:
            self.answer(400, str(error))
            return
        try:
            code, text = self.handle_ipn(raw, ipn)
        except Exception as error:  # a defect here, not the sender's: PayPal resends on a 5xx
            print(f"ipn failed: {error!r}", file=sys.stderr, flush=True)
            code, text = 500, "error"
        self.answer(code, text)

    def handle_ipn(self, raw: bytes, ipn: dict[str, str]) -> tuple[int, str]:
        conn = self.db()
        # Kept before the postback, so a message in flight shows in the SQL probe's `pending` count.
        with write_lock:
            cursor = conn.execute(
                "INSERT INTO ipn_messages (raw, txn_id, parent_txn_id, payment_status, txn_type, invoice, "
                "receiver_email, mc_gross, mc_currency, payment_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    raw,
                    ipn.get("txn_id"),
                    ipn.get("parent_txn_id"),
                    ipn.get("payment_status"),
                    ipn.get("txn_type"),
                    ipn.get("invoice"),
                    ipn.get("receiver_email"),
                    ipn.get("mc_gross"),
                    ipn.get("mc_currency"),
                    payment_time(ipn.get("payment_date")),
                ),
            )
        message_id = cursor.lastrowid
        outcome, note = "ignored", None
        try:
            if self.settings.bug != "no-postback":
                try:
                    verified = ask_paypal(self.settings, raw)
                except GatewayUnreachable as error:
                    # Not an answer about the message: PayPal will resend it, so do not acknowledge.
                    outcome, note = "ignored", f"postback failed: {error}"
                    return 503, "postback failed"
                if not verified:
                    outcome = "invalid"
                    return 403, "INVALID"
            with write_lock:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    outcome = apply_ipn(conn, self.settings, message_id, ipn)
                    conn.execute(
                        "UPDATE ipn_messages SET outcome = ?, note = ? WHERE id = ?", (outcome, note, message_id)
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    outcome = "ignored"
                    raise
            # Committed: only now may PayPal hear that the message arrived.
            return 200, outcome
        finally:
            if outcome != "applied":
                with write_lock:
                    conn.execute(
                        "UPDATE ipn_messages SET outcome = ?, note = ? WHERE id = ?", (outcome, note, message_id)
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description="PayPal classic IPN listener (standard library only).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--db", required=True, help="SQLite file (created with its tables if missing)")
    parser.add_argument("--gateway", required=True, help="PayPal's IPN host, e.g. https://ipnpb.paypal.com")
    parser.add_argument("--receiver-email", required=True, help="the merchant's PayPal account email")
    parser.add_argument("--bug", choices=BUGS, help="plant one of the known bugs (for the gauntlet to catch)")
    args = parser.parse_args()

    conn = connect(args.db)
    # WAL: the SQL probe reads while the listener writes, without either waiting on the other.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA)
    conn.close()

    Listener.settings = Settings(args.db, args.gateway, args.receiver_email, args.bug)
    # socketserver's default backlog is 5: PayPal's burst of copies would wait on SYN retransmits (a second each).
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((args.host, args.port), Listener)
    server.daemon_threads = True
    print(f"listening on http://{args.host}:{args.port}/ipn", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
