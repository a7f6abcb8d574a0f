"""Server-side validation of survey templates and of the answers to them.

Pure Python (no Django), so the importer, the REST API and the relay can all use it, and it can be tested
without a database.

A template's questions use FAStrack's form format (DESIGN.md §6): a list of items, each either a question::

    {"id": "q1", "answerType": "yesNo", "label": "Secured?", "required": True}
    {"id": "q2", "answerType": "choice", "label": "Occupancy", "required": False, "choices": ["Vacant", ...]}

or a section, whose questions may hold further sections::

    {"type": "section", "title": "Arrival", "questions": [...]}

Answer types: ``yesNo``, ``text``, ``number``, ``date``, ``choice``, ``photo``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ANSWER_TYPES = ("yesNo", "text", "number", "date", "choice", "photo")

#: The key under which errors that belong to no single question are reported.
NON_QUESTION_KEY = "__all__"

MAX_TEXT_LENGTH = 5_000
MAX_PHOTOS_PER_QUESTION = 20
# Beyond 2**53 a JavaScript client silently loses precision, and Python refuses to print (hence to serialize)
# integers of more than 4,300 digits: bound numbers well inside both.
MAX_NUMBER_MAGNITUDE = 10**15
# A hostile or broken template could nest sections thousands deep and exhaust the stack.
MAX_SECTION_DEPTH = 10
MAX_ID_LENGTH = 100

MSG_REQUIRED = "This question is required."
MSG_NOT_AN_OBJECT = "Answers must be an object keyed by question id."
MSG_YES_NO = "Answer yes or no."
MSG_TEXT = "Enter text."
MSG_TEXT_TOO_LONG = f"Keep the answer to {MAX_TEXT_LENGTH:,} characters or fewer."
MSG_BAD_CHARACTERS = "The answer contains characters that cannot be stored (such as NUL)."
MSG_NUMBER = "Enter a number."
MSG_NUMBER_TOO_LARGE = f"Enter a number between -{MAX_NUMBER_MAGNITUDE:,} and {MAX_NUMBER_MAGNITUDE:,}."
MSG_DATE = "Enter a date as YYYY-MM-DD."
MSG_PHOTO = "Attach photos by their serials."
MSG_TOO_MANY_PHOTOS = f"Attach at most {MAX_PHOTOS_PER_QUESTION} photos."

_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
# Plain decimal notation only: float() alone would also take "nan", "inf", "1_000" and non-ASCII digits.
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# "true"/"false" are what a form posted as text says for a checkbox; "yes"/"no" what a person types.
_YES = frozenset({"yes", "true"})
_NO = frozenset({"no", "false"})


class TemplateError(ValueError):
    """A survey template is not well-formed; the message says where and why."""


# Templates


def normalize_template(raw: Any) -> list[dict]:
    """Check that a template fetched from the client is well-formed and return a clean copy of its questions.

    ``raw`` is the ``questions`` list of a form, or the whole form object holding one under ``"questions"``.
    Well-formed means: every item is a question or a section; sections have a title and a list of questions
    (nesting at most ``MAX_SECTION_DEPTH`` deep); questions have a non-empty string id, unique across all
    sections (and not ``"__all__"``, which is reserved for errors), a known answer type, a non-empty label
    and, when given, a boolean ``required``; choice questions have a non-empty list of distinct non-empty
    strings.

    The copy holds only the keys above: questions become ``{"id", "answerType", "label", "required"}`` plus
    ``"choices"`` for choice questions, sections ``{"type": "section", "title", "questions"}``; labels and
    titles are stripped, ``required`` defaults to False. ``raw`` is never modified.

    Raises TemplateError (a ValueError), and nothing else, for anything else, so a broken client form can be
    reported without breaking an import.
    """
    if isinstance(raw, dict) and "questions" in raw:
        raw = raw["questions"]
    seen_ids: set[str] = set()
    return _normalize_items(raw, "questions", 0, seen_ids)


def _normalize_items(items: Any, where: str, depth: int, seen_ids: set[str]) -> list[dict]:
    if not isinstance(items, list):
        raise TemplateError(f"{where}: expected a list of questions, got {_type_name(items)}.")
    if depth > MAX_SECTION_DEPTH:
        raise TemplateError(f"{where}: sections are nested more than {MAX_SECTION_DEPTH} deep.")
    clean = []
    for index, item in enumerate(items):
        item_where = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise TemplateError(f"{item_where}: expected a question or a section, got {_type_name(item)}.")
        if item.get("type") == "section":
            clean.append(_normalize_section(item, item_where, depth, seen_ids))
        else:
            clean.append(_normalize_question(item, item_where, seen_ids))
    return clean


def _normalize_section(item: dict, where: str, depth: int, seen_ids: set[str]) -> dict:
    title = item.get("title")
    if not isinstance(title, str) or not title.strip() or _has_bad_characters(title):
        raise TemplateError(f"{where}: a section needs a title.")
    return {
        "type": "section",
        "title": title.strip(),
        "questions": _normalize_items(item.get("questions"), f"{where}.questions", depth + 1, seen_ids),
    }


def _normalize_question(item: dict, where: str, seen_ids: set[str]) -> dict:
    if "type" in item:
        # Anything typed but not a section is a kind of item we do not know; better refused than guessed at.
        raise TemplateError(
            f"{where}: unknown item type {_short(item['type'])}; expected a question or a section."
        )
    qid = item.get("id")
    if not isinstance(qid, str) or not qid.strip() or _has_bad_characters(qid):
        raise TemplateError(f"{where}: a question needs a non-empty string id.")
    where = f"{where} ({_short(qid)})"
    if qid != qid.strip() or len(qid) > MAX_ID_LENGTH:
        raise TemplateError(
            f"{where}: a question id must be at most {MAX_ID_LENGTH} characters, no outer spaces."
        )
    if qid == NON_QUESTION_KEY:
        raise TemplateError(f"{where}: the question id {NON_QUESTION_KEY!r} is reserved.")
    if qid in seen_ids:
        raise TemplateError(f"{where}: the question id {qid!r} is used more than once.")
    seen_ids.add(qid)

    answer_type = item.get("answerType")
    if answer_type not in ANSWER_TYPES:
        raise TemplateError(
            f"{where}: unknown answer type {_short(answer_type)}; expected one of {', '.join(ANSWER_TYPES)}."
        )
    label = item.get("label")
    if not isinstance(label, str) or not label.strip() or _has_bad_characters(label):
        raise TemplateError(f"{where}: a question needs a label (text without NUL characters).")
    required = item.get("required", False)
    if required is None:
        required = False
    if not isinstance(required, bool):
        raise TemplateError(f"{where}: 'required' must be true or false.")

    clean = {"id": qid, "answerType": answer_type, "label": label.strip(), "required": required}
    if answer_type == "choice":
        choices = item.get("choices")
        if not isinstance(choices, list) or not choices:
            raise TemplateError(f"{where}: a choice question needs a non-empty list of choices.")
        if not all(isinstance(c, str) and c.strip() and not _has_bad_characters(c) for c in choices):
            raise TemplateError(f"{where}: every choice must be a non-empty string.")
        if len(set(choices)) != len(choices):
            raise TemplateError(f"{where}: the choices must be distinct.")
        clean["choices"] = list(choices)
    return clean


def iter_questions(questions: list[dict]) -> Iterator[dict]:
    """Yield every question of a (normalized) template in order, with sections expanded in place."""
    for item in questions:
        if item.get("type") == "section":
            yield from iter_questions(item.get("questions") or [])
        else:
            yield item


# Answers


@dataclass
class ValidationResult:
    """The outcome of ``validate_answers``.

    ``answers``: the cleaned value of every validly answered question, by question id (JSON-serializable;
    photo questions hold their list of serials, so a saved draft round-trips). Unanswered questions and wrong
    answers are absent.
    ``photo_serials``: the photo questions' serials again, by question id, for the relay to wait on.
    ``errors``: a human message by question id; ``"__all__"`` for what belongs to no question (answers that
    are not an object, answers to unknown question ids).
    """

    answers: dict[str, Any] = field(default_factory=dict)
    photo_serials: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


class _Invalid(Exception):
    """An answer is wrong; the argument is the message shown to the user."""


def validate_answers(
    questions: list[dict],
    answers: Any,
    *,
    known_photo_serials: set[str],
    require_complete: bool,
) -> ValidationResult:
    """Validate untrusted ``answers`` (decoded JSON of any shape) against a normalized template.

    Never raises for anything in ``answers``: every problem is reported in ``errors``, keyed by question id or
    ``"__all__"``. ``answers`` must be a JSON object keyed by question id.

    Per answer type, what is accepted and what it is cleaned to:

    - ``yesNo``: true/false, or "yes"/"no"/"true"/"false" in any case → bool.
    - ``text``: a string, stripped, at most 5,000 characters → str.
    - ``number``: an int or a finite float, or a string in plain decimal notation; never a bool, NaN or
      infinity; magnitude at most 10**15 → int or float.
    - ``date``: "YYYY-MM-DD", a real calendar date → the same ISO string.
    - ``choice``: exactly one of the question's choices → str.
    - ``photo``: a list of 1 to 20 serials (strings) or one serial string, each in ``known_photo_serials``
      → list of distinct serials, in order.

    ``None``, a blank string and an empty list count as no answer. With ``require_complete=False`` (a draft) a
    missing answer is fine; with ``require_complete=True`` (a submit) a required question without an answer is
    an error. A wrong answer is an error either way.
    """
    result = ValidationResult()
    if not isinstance(answers, dict):
        result.errors[NON_QUESTION_KEY] = MSG_NOT_AN_OBJECT
        return result

    known_ids = set()
    for question in iter_questions(questions):
        qid = question["id"]
        known_ids.add(qid)
        value = answers.get(qid)
        if _is_empty(value):
            if require_complete and question.get("required"):
                result.errors[qid] = MSG_REQUIRED
            continue
        try:
            cleaned = _clean(question, value, known_photo_serials)
        except _Invalid as exc:
            result.errors[qid] = str(exc)
            continue
        result.answers[qid] = cleaned
        if question["answerType"] == "photo":
            result.photo_serials[qid] = list(cleaned)

    unknown = [key for key in answers if key not in known_ids]
    if unknown:
        result.errors[NON_QUESTION_KEY] = _unknown_message(unknown)
    return result


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _clean(question: dict, value: Any, known_photo_serials: set[str]) -> Any:
    answer_type = question["answerType"]
    if answer_type == "yesNo":
        return _clean_yes_no(value)
    if answer_type == "text":
        return _clean_text(value)
    if answer_type == "number":
        return _clean_number(value)
    if answer_type == "date":
        return _clean_date(value)
    if answer_type == "choice":
        return _clean_choice(value, question.get("choices") or [])
    if answer_type == "photo":
        return _clean_photos(value, known_photo_serials)
    # Only reachable with a template that skipped normalize_template.
    raise _Invalid(f"This question's answer type ({_short(answer_type)}) is not supported.")


def _clean_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    raise _Invalid(MSG_YES_NO)


def _clean_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(MSG_TEXT)
    text = value.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise _Invalid(MSG_TEXT_TOO_LONG)
    if _has_bad_characters(text):
        raise _Invalid(MSG_BAD_CHARACTERS)
    return text


def _clean_number(value: Any) -> int | float:
    # bool is a subclass of int, but True is not an answer to "how many minutes".
    if isinstance(value, bool):
        raise _Invalid(MSG_NUMBER)
    if isinstance(value, int):
        number: int | float = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Invalid(MSG_NUMBER)
        number = value
    elif isinstance(value, str):
        number = _parse_number(value.strip())
    else:
        raise _Invalid(MSG_NUMBER)
    if abs(number) > MAX_NUMBER_MAGNITUDE:
        raise _Invalid(MSG_NUMBER_TOO_LARGE)
    return number


def _parse_number(text: str) -> int | float:
    # Anything longer cannot be within MAX_NUMBER_MAGNITUDE in sensible notation; refusing early also keeps
    # int() from chewing on a megabyte of digits.
    if len(text) > 64:
        raise _Invalid(MSG_NUMBER)
    if _INTEGER_RE.fullmatch(text):
        return int(text)
    if _DECIMAL_RE.fullmatch(text):
        number = float(text)
        if not math.isfinite(number):  # "1e999"
            raise _Invalid(MSG_NUMBER_TOO_LARGE)
        return number
    raise _Invalid(MSG_NUMBER)


def _clean_date(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(MSG_DATE)
    text = value.strip()
    if not _DATE_RE.fullmatch(text):
        raise _Invalid(MSG_DATE)
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise _Invalid(f"{text} is not a real date. {MSG_DATE}") from None


def _clean_choice(value: Any, choices: list[str]) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise _Invalid(f"Choose one of: {', '.join(choices)}.")


def _clean_photos(value: Any, known_photo_serials: set[str]) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _Invalid(MSG_PHOTO)
    if len(value) > MAX_PHOTOS_PER_QUESTION:
        raise _Invalid(MSG_TOO_MANY_PHOTOS)
    serials: list[str] = []
    for serial in value:
        if not isinstance(serial, str):
            raise _Invalid(MSG_PHOTO)
        if serial not in known_photo_serials:
            raise _Invalid(f"Photo {_short(serial, quote=False)} is not a photo of this project.")
        # Naming the same photo twice is harmless, but must not send it twice.
        if serial not in serials:
            serials.append(serial)
    return serials


def _unknown_message(keys: list[Any]) -> str:
    # The keys are untrusted: show a few, each cut short, so the message stays readable.
    shown = ", ".join(_short(key, quote=False) for key in keys[:5])
    more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
    noun = "question" if len(keys) == 1 else "questions"
    return f"Unknown {noun}: {shown}{more}"


# Helpers


def _has_bad_characters(text: str) -> bool:
    """True if ``text`` cannot be stored in a PostgreSQL JSON column: NUL, or lone surrogates (not UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _short(value: Any, *, quote: bool = True, limit: int = 40) -> str:
    """A short, printable rendering of an untrusted value for a message."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # Keep control characters and lone surrogates (unencodable) out of messages that end up in JSON and logs.
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return repr(text) if quote or not text else text


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)
