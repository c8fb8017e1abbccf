"""A file over the upload limit was refused "mer än 10485760 byte": a byte count in digits no
Swedish reader groups, in a unit nobody thinks in. The page says the limit in megabytes, in
the page's style of numbers and kept on one line: "mer än 10 MB", "more than 10 MB"; a limit
not whole megabytes with a decimal comma in Swedish."""

from __future__ import annotations

from samstat_kit.present import formatting
from services.ingest.upload.reasons import refusal, refused

NB = "\u00a0"


def test_a_file_too_large_is_refused_in_megabytes() -> None:
    reason = "the file is larger than 10485760 bytes"
    assert refused(reason, "sv") == (f"Filen togs inte emot. Den är för stor (mer än 10{NB}MB). "
                                     "Dela upp den i flera filer.")
    assert refused(reason, "en") == (f"The file was not taken. It is too large (more than "
                                     f"10{NB}MB). Split it into several files.")
    assert "10485760" not in refusal(reason, "sv")


def test_file_sizes_in_the_readers_style() -> None:
    assert formatting.file_size(10 * 1024 * 1024, "sv") == f"10{NB}MB"
    assert formatting.file_size(int(2.5 * 1024 * 1024), "sv") == f"2,5{NB}MB"
    assert formatting.file_size(int(2.5 * 1024 * 1024), "en") == f"2.5{NB}MB"
    assert formatting.file_size(512 * 1024, "sv") == f"512{NB}kB"
    assert formatting.file_size(900, "sv") == f"900{NB}byte"
    assert formatting.file_size(900, "en") == f"900{NB}bytes"
