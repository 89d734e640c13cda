"""Text clean-up shared by the readers."""

from __future__ import annotations

import html
import re

# C0/C1 control characters other than tab and newline: Reuters carries &#2; &#3;,
# and a hostile archive may carry escape sequences. They are never article text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK_TAG = re.compile(r"</?(p|br|div|li|ul|ol|h\d|tr|blockquote)\b[^>]{0,2000}>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
# A sentence ends at . ! ? (perhaps closing a quote), before a capital, Latin or Cyrillic.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’'»]))\s+(?=[\"“‘'«]?[A-ZА-ЯЁ0-9])")


def drop_control_chars(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def strip_html(text: str) -> str:
    """Turn an HTML fragment (an RSS summary) into plain text."""
    if "<" not in text and "&" not in text:
        return text
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def tidy(text: str) -> str:
    """Collapse runs of spaces and blank lines; keep paragraph breaks."""
    text = drop_control_chars(text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def lead_sentence(body: str, max_chars: int = 320) -> str:
    """The first sentence of a body, used as the title of headline-less wire copy."""
    first_paragraph = body.strip().split("\n", 1)[0]
    parts = _SENTENCE_END.split(first_paragraph, maxsplit=1)
    sentence = parts[0].strip()
    if len(sentence) > max_chars:
        cut = sentence.rfind(" ", 0, max_chars)
        sentence = sentence[: cut if cut > 0 else max_chars].rstrip(",;: ") + " …"
    return sentence
