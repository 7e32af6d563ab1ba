"""`jobs submit --follow` reads each log from where it stopped (an HTTP Range on the presigned
URL), against the emulated S3: only new bytes, a character split between two reads kept whole,
another object (the next attempt's log) read from its start."""
from __future__ import annotations

from cli.api import Api, Credentials
from cli.main import Tail


def test_a_tail_reads_only_what_was_added(platform):
    s3 = platform.customer("s3")
    s3.create_bucket(Bucket="cli-tail-logs")

    def url(key: str) -> str:
        return s3.generate_presigned_url("get_object", Params={"Bucket": "cli-tail-logs", "Key": key})

    api = Api(Credentials("http://corral.test", "http://corral.test", "x", "y", "test"))
    sent = []
    api.session.hooks["response"].append(lambda r, *a, **k: sent.append(
        (r.request.headers.get("Range"), r.status_code)))
    tail = Tail()
    assert tail.more(api, url("attempt-1/stdout")) == ""           # not written yet
    s3.put_object(Bucket="cli-tail-logs", Key="attempt-1/stdout", Body="one\n".encode())
    got = tail.more(api, url("attempt-1/stdout"))
    assert got == "one\n", sent
    euro = "€".encode()                                             # 3 bytes
    s3.put_object(Bucket="cli-tail-logs", Key="attempt-1/stdout", Body=b"one\ntwo " + euro[:1])
    assert tail.more(api, url("attempt-1/stdout")) == "two "        # half a character waits
    s3.put_object(Bucket="cli-tail-logs", Key="attempt-1/stdout", Body=b"one\ntwo " + euro + b"\n")
    assert tail.more(api, url("attempt-1/stdout")) == "€\n"
    assert tail.more(api, url("attempt-1/stdout")) == ""            # nothing new: a 416
    assert sent == [(None, 404), (None, 200), ("bytes=4-", 206), ("bytes=9-", 206),
                    ("bytes=12-", 416)]
    s3.put_object(Bucket="cli-tail-logs", Key="attempt-2/stdout", Body=b"again\n")
    assert tail.more(api, url("attempt-2/stdout")) == "again\n"     # a new object: from 0
    assert tail.text == "one\ntwo €\nagain\n"
