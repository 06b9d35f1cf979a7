"""smtp_sink.py - an SMTP server for the suites: aiosmtpd (Debian's
python3-aiosmtpd) on 127.0.0.1 and a given free port, run in the test's
own process, recording every mail it accepts.  outbox.py has its own,
with authentication and refusals."""
import asyncio
import email
import email.policy
import time

from aiosmtpd.controller import Controller


class SmtpSink:
    """msgs: (mail_from, [rcpt_to, ...], raw bytes) of each mail, in the
    order accepted.  delay [s]: the final reply to DATA waits this long
    after the mail is recorded (a client killed meanwhile has sent it but
    never heard the 250)."""

    def __init__(self, port):
        self.port = port
        self.msgs = []
        self.ctl = None
        self.delay = 0

    async def handle_DATA(self, server, session, envelope):
        self.msgs.append((envelope.mail_from, list(envelope.rcpt_tos),
                          bytes(envelope.original_content or
                                envelope.content)))
        end = time.monotonic() + self.delay
        while self.delay and time.monotonic() < end:
            await asyncio.sleep(0.05)
        return "250 2.0.0 Ok: queued"

    def start(self):
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def stop(self):
        if self.ctl:
            self.ctl.stop()
            self.ctl = None

    def message(self, i):
        """Mail i, parsed."""
        return email.message_from_bytes(self.msgs[i][2],
                                        policy=email.policy.default)

    def parsed(self):
        """Every mail as (mail_from, rcpt_tos, parsed message)."""
        return [(m[0], m[1], email.message_from_bytes(
            m[2], policy=email.policy.default)) for m in list(self.msgs)]
