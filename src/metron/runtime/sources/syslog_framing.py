"""RFC 6587 framing: how syslog messages are delimited in a TCP (or TLS) stream."""

from __future__ import annotations

__all__ = ["SyslogFramer"]


class SyslogFramer:
    """Splits one TCP stream into syslog messages, RFC 6587.

    Each frame is framed on its own: octet counting (``<length> <message>``) when it starts
    with a digit followed by more digits and a space, otherwise non-transparent framing,
    ended by LF or NUL (a CR before the LF is dropped).  A frame longer than
    ``max_message`` is skipped and counted by ``errors`` (``last_error`` says what was
    skipped, for the caller's log); a length too long even to skip
    (over a thousand times ``max_message``) means the stream cannot be followed: ``failure``
    says why, and the connection should be closed."""

    def __init__(self, max_message: int) -> None:
        self.max_message = max_message
        self.errors = 0
        self.last_error = ""
        self._buf = bytearray()
        self._skip = 0  # octets of an oversized octet-counted frame still to discard
        self._skip_line = False  # discarding an oversized frame up to its terminator
        self._max_digits = len(str(max_message)) + 3
        self.failure: str | None = None
        self._nul = -2

    def feed(self, data: bytes) -> list[bytes]:
        """The messages completed by ``data`` (none once ``failure`` is set)."""
        if self.failure:
            return []
        buf = self._buf
        buf += data
        self._nul = -2  # not searched yet
        out: list[bytes] = []
        pos = 0
        end = len(buf)
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            if self._skip_line:
                stop = self._terminator(buf, pos)
                if stop < 0:
                    pos = end
                    break
                self._skip_line = False
                pos = stop + 1
                continue
            if 48 <= buf[pos] <= 57:  # a digit: octet counting, if a space follows the digits
                digits = pos
                while digits < end and 48 <= buf[digits] <= 57:
                    digits += 1
                if digits - pos > self._max_digits:
                    self.failure = f"frame length {bytes(buf[pos : pos + 20])!r}... too long"
                    buf.clear()
                    return out
                if digits == end:
                    break  # the length is not complete yet
                if buf[digits] == 32:
                    length = int(buf[pos:digits])
                    start = digits + 1
                    if length > self.max_message or length == 0:
                        self._error(f"skipped a frame of {length} octets")
                        pos = start
                        self._skip = length
                        continue
                    if end - start < length:
                        break  # the message is not complete yet
                    out.append(bytes(buf[start : start + length]))
                    pos = start + length
                    continue
            stop = self._terminator(buf, pos)
            if stop < 0:
                if end - pos > self.max_message:
                    self._error(f"skipped a line longer than {self.max_message} octets")
                    self._skip_line = True
                    pos = end
                break
            line = bytes(buf[pos:stop]).rstrip(b"\r")
            if len(line) > self.max_message:
                self._error(f"skipped a line of {len(line)} octets")
            elif line:
                out.append(line)
            pos = stop + 1
        del buf[:pos]
        return out

    def _terminator(self, buf: bytearray, pos: int) -> int:
        # The next NUL is remembered: most streams have none, and searching the whole buffer
        # for it once per line would be quadratic.
        nul = self._nul
        if nul != -1 and nul < pos:
            nul = self._nul = buf.find(b"\0", pos)
        newline = buf.find(b"\n", pos)
        if newline < 0 or 0 <= nul < newline:
            return nul
        return newline

    def finish(self) -> list[bytes]:
        """At the end of the stream: an unterminated last line is a message; a truncated
        octet-counted frame is an error."""
        rest, self._buf = bytes(self._buf), bytearray()
        if self._skip or self._skip_line or not rest:
            return []
        if rest[:1].isdigit() and rest.lstrip(b"0123456789")[:1] in (b" ", b""):
            self._error("the stream ended inside an octet-counted frame")
            return []
        line = rest.rstrip(b"\r")
        return [line] if line else []

    def _error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
