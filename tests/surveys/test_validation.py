"""Tests for surveys.validation and the AGS checklist: pure Python, no database."""

from __future__ import annotations

import contextlib
import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.ags import AGS_FORM_ID, AGS_NAME, AGS_QUESTIONS, AGS_VERSION
from surveys.validation import (
    ANSWER_TYPES,
    MAX_SECTION_DEPTH,
    MSG_DATE,
    MSG_NOT_AN_OBJECT,
    MSG_NUMBER,
    MSG_REQUIRED,
    MSG_YES_NO,
    TemplateError,
    ValidationResult,
    iter_questions,
    normalize_template,
    validate_answers,
)

SERIAL_A = "7f1c2a40-0000-4000-8000-000000000001"
SERIAL_B = "7f1c2a40-0000-4000-8000-000000000002"
SERIALS = {SERIAL_A, SERIAL_B}

TEMPLATE = [
    {"id": "secured", "answerType": "yesNo", "label": "Secured?", "required": True},
    {
        "type": "section",
        "title": "Details",
        "questions": [
            {"id": "notes", "answerType": "text", "label": "Notes", "required": False},
            {"id": "minutes", "answerType": "number", "label": "Minutes", "required": True},
            {
                "type": "section",
                "title": "Inner",
                "questions": [
                    {"id": "visit", "answerType": "date", "label": "Visit date", "required": False},
                    {
                        "id": "occupancy",
                        "answerType": "choice",
                        "label": "Occupancy",
                        "required": True,
                        "choices": ["Vacant", "Occupied", "Unknown"],
                    },
                ],
            },
        ],
    },
    {"id": "front", "answerType": "photo", "label": "Front photo", "required": True},
]
QUESTIONS = normalize_template(TEMPLATE)
QUESTION_IDS = [q["id"] for q in iter_questions(QUESTIONS)]
COMPLETE = {
    "secured": True,
    "notes": "  all good  ",
    "minutes": 45,
    "visit": "2024-02-29",
    "occupancy": "Vacant",
    "front": [SERIAL_A],
}


def check(answers, *, complete=False, serials=SERIALS, questions=QUESTIONS) -> ValidationResult:
    return validate_answers(questions, answers, known_photo_serials=serials, require_complete=complete)


def one(qid, value, **kwargs) -> ValidationResult:
    return check({qid: value}, **kwargs)


# Templates


def test_iter_questions_flattens_nested_sections_in_order():
    assert QUESTION_IDS == ["secured", "notes", "minutes", "visit", "occupancy", "front"]


def test_normalize_returns_a_clean_copy():
    raw = [
        {
            "type": "section",
            "title": "  Arrival ",
            "extra": 1,
            "questions": [
                {"id": "q1", "answerType": "yesNo", "label": " Secured? ", "helpText": "x"},
                {
                    "id": "q2",
                    "answerType": "text",
                    "label": "Notes",
                    "required": None,
                    "choices": ["ignored"],
                },
                {
                    "id": "q3",
                    "answerType": "choice",
                    "label": "Pick",
                    "required": True,
                    "choices": ["A", "B"],
                },
            ],
        }
    ]
    before = copy.deepcopy(raw)
    clean = normalize_template(raw)
    assert clean == [
        {
            "type": "section",
            "title": "Arrival",
            "questions": [
                {"id": "q1", "answerType": "yesNo", "label": "Secured?", "required": False},
                {"id": "q2", "answerType": "text", "label": "Notes", "required": False},
                {
                    "id": "q3",
                    "answerType": "choice",
                    "label": "Pick",
                    "required": True,
                    "choices": ["A", "B"],
                },
            ],
        }
    ]
    assert raw == before
    clean[0]["questions"][2]["choices"].append("C")
    assert raw == before


def test_normalize_accepts_the_whole_form_object():
    form = {"meta": {"surveyTemplateId": "F1", "version": 2, "name": "F"}, "questions": TEMPLATE}
    assert normalize_template(form) == QUESTIONS


def test_normalize_accepts_an_empty_template():
    assert normalize_template([]) == []


def _deeply_nested(depth):
    items = [{"id": "q", "answerType": "text", "label": "Q"}]
    for _ in range(depth):
        items = [{"type": "section", "title": "S", "questions": items}]
    return items


def _q(**overrides):
    question = {"id": "q1", "answerType": "text", "label": "Label", "required": False}
    question.update(overrides)
    return question


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param(None, "expected a list", id="null"),
        pytest.param("questions", "expected a list", id="string"),
        pytest.param({"meta": {}}, "expected a list", id="object-without-questions"),
        pytest.param([1], "expected a question or a section", id="item-not-object"),
        pytest.param([{"type": "section", "questions": []}], "needs a title", id="section-no-title"),
        pytest.param(
            [{"type": "section", "title": "  ", "questions": []}], "needs a title", id="blank-title"
        ),
        pytest.param([{"type": "section", "title": "S"}], "expected a list", id="section-no-questions"),
        pytest.param([{"type": "page", "id": "q1"}], "unknown item type", id="unknown-item-type"),
        pytest.param([_q(id=None)], "non-empty string id", id="no-id"),
        pytest.param([_q(id=7)], "non-empty string id", id="id-not-string"),
        pytest.param([_q(id="  ")], "non-empty string id", id="blank-id"),
        pytest.param([_q(id=" q1")], "no outer spaces", id="padded-id"),
        pytest.param([_q(id="x" * 101)], "at most 100", id="long-id"),
        pytest.param([_q(id="__all__")], "reserved", id="reserved-id"),
        pytest.param([_q(), _q(answerType="number")], "more than once", id="duplicate-id"),
        pytest.param(
            [_q(), {"type": "section", "title": "S", "questions": [_q()]}],
            "more than once",
            id="duplicate-id-across-sections",
        ),
        pytest.param([_q(answerType="signature")], "unknown answer type", id="unknown-answer-type"),
        pytest.param([_q(answerType=None)], "unknown answer type", id="no-answer-type"),
        pytest.param([_q(label=None)], "needs a label", id="no-label"),
        pytest.param([_q(label=" ")], "needs a label", id="blank-label"),
        pytest.param([_q(label="Roof\x00")], "needs a label", id="label-with-nul"),
        pytest.param([_q(id="q\ud800")], "non-empty string id", id="id-lone-surrogate"),
        pytest.param(
            [{"type": "section", "title": "S\x00", "questions": []}], "needs a title", id="title-with-nul"
        ),
        pytest.param([_q(required="yes")], "'required' must be true or false", id="required-not-bool"),
        pytest.param([_q(answerType="choice")], "non-empty list of choices", id="choice-no-choices"),
        pytest.param([_q(answerType="choice", choices=[])], "non-empty list of choices", id="choice-empty"),
        pytest.param([_q(answerType="choice", choices="A,B")], "non-empty list", id="choices-string"),
        pytest.param([_q(answerType="choice", choices=["A", 2])], "non-empty string", id="choice-not-str"),
        pytest.param([_q(answerType="choice", choices=["A", ""])], "non-empty string", id="choice-blank"),
        pytest.param([_q(answerType="choice", choices=["A", "A"])], "distinct", id="choice-duplicate"),
        pytest.param(_deeply_nested(MAX_SECTION_DEPTH + 1), "nested more than", id="too-deep"),
    ],
)
def test_malformed_templates_raise_template_error(raw, fragment):
    with pytest.raises(TemplateError, match=fragment):
        normalize_template(raw)


def test_template_error_says_where():
    raw = [_q(id="a"), {"type": "section", "title": "S", "questions": [_q(id="b", answerType="video")]}]
    with pytest.raises(TemplateError) as excinfo:
        normalize_template(raw)
    assert str(excinfo.value).startswith("questions[1].questions[0] ('b'): unknown answer type 'video'")
    assert isinstance(excinfo.value, ValueError)


def test_nesting_up_to_the_limit_is_fine():
    assert [q["id"] for q in iter_questions(normalize_template(_deeply_nested(MAX_SECTION_DEPTH)))] == ["q"]


# Answers, per type


def test_complete_answers_pass_and_are_cleaned():
    result = check(COMPLETE, complete=True)
    assert result.ok
    assert result.errors == {}
    assert result.answers == {
        "secured": True,
        "notes": "all good",
        "minutes": 45,
        "visit": "2024-02-29",
        "occupancy": "Vacant",
        "front": [SERIAL_A],
    }
    assert result.photo_serials == {"front": [SERIAL_A]}
    json.dumps(result.answers, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("YES", True),
        (" No ", False),
        ("true", True),
        ("False", False),
    ],
)
def test_yes_no_valid(value, expected):
    result = one("secured", value)
    assert result.ok
    assert result.answers["secured"] is expected


@pytest.mark.parametrize("value", ["y", "maybe", 1, 0, 1.0, ["yes"], {"yes": True}])
def test_yes_no_invalid(value):
    assert one("secured", value).errors == {"secured": MSG_YES_NO}


def test_text_is_stripped_and_bounded():
    assert one("notes", "  hello\nworld ").answers == {"notes": "hello\nworld"}
    assert one("notes", "x" * 5000).ok
    assert one("notes", "  " + "x" * 5000 + "  ").ok
    too_long = one("notes", "x" * 5001)
    assert "5,000 characters" in too_long.errors["notes"]


@pytest.mark.parametrize("value", [12, 1.5, True, ["text"], {"a": "b"}])
def test_text_must_be_a_string(value):
    assert one("notes", value).errors == {"notes": "Enter text."}


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b"])
def test_text_that_cannot_be_stored_is_refused(value):
    result = one("notes", value)
    assert "cannot be stored" in result.errors["notes"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (45, 45),
        (-3, -3),
        (2.5, 2.5),
        ("45", 45),
        (" -7 ", -7),
        ("+3", 3),
        ("2.5", 2.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        (10**15, 10**15),
    ],
)
def test_number_valid(value, expected):
    result = one("minutes", value)
    assert result.ok
    assert result.answers["minutes"] == expected
    assert type(result.answers["minutes"]) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        math.nan,
        math.inf,
        -math.inf,
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "1_000",
        "١٢",  # Arabic-Indic digits: int() would take them
        "12 minutes",
        "0x10",
        "1,5",
        "9" * 5000,
        [1],
        {"n": 1},
    ],
)
def test_number_invalid(value):
    assert one("minutes", value).errors == {"minutes": MSG_NUMBER}


@pytest.mark.parametrize("value", [10**15 + 1, -(10**4000), 1e300, "1e999", "-1e20"])
def test_number_too_large(value):
    result = one("minutes", value)
    assert result.errors["minutes"].startswith("Enter a number between")


@pytest.mark.parametrize("value", ["2024-02-29", " 2024-01-05 ", "0001-01-01", "9999-12-31"])
def test_date_valid(value):
    result = one("visit", value)
    assert result.ok
    assert result.answers["visit"] == value.strip()


@pytest.mark.parametrize(
    "value",
    [
        "2024-1-5",
        "05/01/2024",
        "2024-01-05T10:00:00",
        "20240105",
        "２０２４-01-05",
        20240105,
        True,
        ["2024-01-05"],
    ],
)
def test_date_wrong_format(value):
    assert one("visit", value).errors == {"visit": MSG_DATE}


@pytest.mark.parametrize("value", ["2023-02-29", "2024-13-01", "2024-04-31", "0000-01-01"])
def test_date_not_on_the_calendar(value):
    assert one("visit", value).errors == {"visit": f"{value} is not a real date. {MSG_DATE}"}


def test_choice_exact():
    assert one("occupancy", "Occupied").answers == {"occupancy": "Occupied"}
    message = "Choose one of: Vacant, Occupied, Unknown."
    for value in ["occupied", "Vacant ", "Other", 1, ["Vacant"], True]:
        assert one("occupancy", value).errors == {"occupancy": message}, value


def test_photo_list_and_single_serial():
    result = one("front", [SERIAL_A, SERIAL_B, SERIAL_A])
    assert result.ok
    assert result.answers == {"front": [SERIAL_A, SERIAL_B]}
    assert result.photo_serials == {"front": [SERIAL_A, SERIAL_B]}
    single = one("front", SERIAL_B)
    assert single.answers == {"front": [SERIAL_B]}
    assert single.photo_serials == {"front": [SERIAL_B]}


def test_photo_unknown_serial():
    result = one("front", [SERIAL_A, "not-ours"])
    assert result.errors == {"front": "Photo not-ours is not a photo of this project."}
    assert result.photo_serials == {}
    assert one("front", SERIAL_A, serials=set()).errors == {
        "front": f"Photo {SERIAL_A} is not a photo of this project."
    }


def test_photo_limits_and_shapes():
    serials = {f"s{i}" for i in range(25)}
    assert one("front", [f"s{i}" for i in range(20)], serials=serials).ok
    assert one("front", [f"s{i}" for i in range(21)], serials=serials).errors == {
        "front": "Attach at most 20 photos."
    }
    for value in [[SERIAL_A, 3], 3, {"serial": SERIAL_A}, True, [[SERIAL_A]]]:
        assert one("front", value).errors == {"front": "Attach photos by their serials."}, value


# Draft vs submit, unknown ids, shapes


def test_draft_allows_missing_answers():
    assert check({}).ok
    result = check({"secured": False, "minutes": None, "notes": "   ", "front": []})
    assert result.ok
    assert result.answers == {"secured": False}


def test_submit_requires_required_answers():
    result = check(
        {"secured": False, "minutes": None, "notes": "", "occupancy": "  ", "front": []}, complete=True
    )
    assert result.errors == {"minutes": MSG_REQUIRED, "occupancy": MSG_REQUIRED, "front": MSG_REQUIRED}
    # False and 0 are answers, not blanks; optional questions may stay blank.
    assert check({**COMPLETE, "secured": False, "minutes": 0, "notes": "", "visit": None}, complete=True).ok


def test_wrong_answers_are_errors_in_drafts_too():
    result = check({"secured": "perhaps", "minutes": "lots"})
    assert result.errors == {"secured": MSG_YES_NO, "minutes": MSG_NUMBER}
    assert not result.ok
    assert result.answers == {}


def test_valid_answers_are_kept_alongside_errors():
    result = check({**COMPLETE, "minutes": "lots"}, complete=True)
    assert result.errors == {"minutes": MSG_NUMBER}
    assert "minutes" not in result.answers
    assert result.answers["secured"] is True


def test_unknown_question_ids():
    assert check({"q9": "x"}).errors == {"__all__": "Unknown question: q9"}
    result = check({**COMPLETE, "q9": 1, "q10": None}, complete=True)
    assert result.errors == {"__all__": "Unknown questions: q9, q10"}
    assert result.answers["secured"] is True
    many = check({f"x{i}": 1 for i in range(8)})
    assert many.errors["__all__"] == "Unknown questions: x0, x1, x2, x3, x4 and 3 more"


def test_unknown_id_is_cut_short_and_escaped():
    result = check({"a" * 1000: 1, "b\x00": 1})
    message = result.errors["__all__"]
    assert len(message) < 150
    assert "\x00" not in message


@pytest.mark.parametrize("answers", [None, [], ["secured"], "secured", 1, True, 1.5])
def test_answers_must_be_an_object(answers):
    result = check(answers, complete=True)
    assert result.errors == {"__all__": MSG_NOT_AN_OBJECT}
    assert not result.ok
    assert result.answers == {}
    assert result.photo_serials == {}


# The AGS checklist


def test_ags_template_is_valid():
    assert AGS_FORM_ID == "AGS-CHECKLIST"
    assert AGS_VERSION == 1
    assert AGS_NAME == "AGS Checklist"
    assert normalize_template(AGS_QUESTIONS) == AGS_QUESTIONS
    types = {q["answerType"] for q in iter_questions(AGS_QUESTIONS)}
    assert types == set(ANSWER_TYPES)


def test_ags_checklist_can_be_completed():
    answers = {
        "arrival_front_photo": SERIAL_A,
        "arrival_property_secured": "yes",
        "arrival_occupancy": "Vacant",
        "condition_utilities": "All off",
        "condition_damage_found": False,
        "condition_hazards_found": False,
        "departure_doors_windows_locked": True,
        "departure_secured_photos": [SERIAL_A, SERIAL_B],
        "departure_minutes_on_site": "35",
    }
    result = validate_answers(AGS_QUESTIONS, answers, known_photo_serials=SERIALS, require_complete=True)
    assert result.ok, result.errors
    assert result.photo_serials == {
        "arrival_front_photo": [SERIAL_A],
        "departure_secured_photos": [SERIAL_A, SERIAL_B],
    }
    incomplete = validate_answers(AGS_QUESTIONS, {}, known_photo_serials=SERIALS, require_complete=True)
    required = {q["id"] for q in iter_questions(AGS_QUESTIONS) if q["required"]}
    assert set(incomplete.errors) == required


# Properties

# Any text at all, NUL and lone surrogates included: JSON can carry both.
any_text = st.text(st.characters(exclude_categories=()), max_size=30)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=20,
)
question_or_junk_ids = st.sampled_from(QUESTION_IDS) | any_text


def assert_well_behaved(result: ValidationResult, questions=QUESTIONS):
    ids = {q["id"] for q in iter_questions(questions)}
    assert set(result.errors) <= ids | {"__all__"}
    assert all(isinstance(message, str) and message for message in result.errors.values())
    assert set(result.answers) <= ids
    assert not set(result.answers) & set(result.errors)
    assert set(result.photo_serials) <= set(result.answers)
    assert all(set(serials) <= SERIALS for serials in result.photo_serials.values())
    # Must survive a round trip through strict JSON (and so a JSON column).
    json.dumps(result.answers, allow_nan=False, ensure_ascii=False).encode("utf-8")
    json.dumps(result.errors, allow_nan=False, ensure_ascii=False).encode("utf-8")


@given(answers=json_values, complete=st.booleans())
def test_arbitrary_json_as_the_answers(answers, complete):
    assert_well_behaved(check(answers, complete=complete))


@given(answers=st.dictionaries(question_or_junk_ids, json_values, max_size=8), complete=st.booleans())
def test_arbitrary_json_as_each_answer(answers, complete):
    assert_well_behaved(check(answers, complete=complete))


@given(qid=st.sampled_from(QUESTION_IDS), value=json_values, complete=st.booleans())
def test_arbitrary_json_as_a_single_answer(qid, value, complete):
    result = check({qid: value}, complete=complete)
    assert_well_behaved(result)
    blank = value is None or value == [] or (isinstance(value, str) and not value.strip())
    if blank:
        assert qid not in result.answers
    else:
        assert (qid in result.answers) != (qid in result.errors)


@given(raw=json_values)
def test_normalize_template_only_ever_raises_template_error(raw):
    with contextlib.suppress(TemplateError):
        normalize_template(raw)


safe_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
non_blank = safe_text.filter(lambda s: s.strip())
question_ids = non_blank.filter(lambda s: s == s.strip() and s != "__all__")


@st.composite
def templates(draw, depth=0):
    """A list of template items (questions and nested sections); ids are placeholders filled in later."""
    items = []
    for _ in range(draw(st.integers(min_value=1 if depth == 0 else 0, max_value=4))):
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            items.append(
                {"type": "section", "title": draw(non_blank), "questions": draw(templates(depth + 1))}
            )
            continue
        question = {
            "id": None,
            "answerType": draw(st.sampled_from(ANSWER_TYPES)),
            "label": draw(non_blank),
            "required": draw(st.booleans()),
        }
        if question["answerType"] == "choice":
            question["choices"] = draw(st.lists(non_blank, min_size=1, max_size=5, unique=True))
        items.append(question)
    return items


def valid_answer(question):
    """A strategy of answers that must pass for ``question`` (never blank)."""
    answer_type = question["answerType"]
    if answer_type == "yesNo":
        return st.booleans() | st.sampled_from(["yes", "No", "TRUE", " false "])
    if answer_type == "text":
        return non_blank.filter(lambda s: len(s.strip()) <= 5000)
    if answer_type == "number":
        numbers = st.integers(-(10**15), 10**15) | st.floats(-1e15, 1e15, allow_nan=False)
        return numbers | numbers.map(str)
    if answer_type == "date":
        return st.dates().map(lambda d: d.isoformat())
    if answer_type == "choice":
        return st.sampled_from(question["choices"])
    serials = st.sampled_from(sorted(SERIALS))
    return serials | st.lists(serials, min_size=1, max_size=20)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(data=st.data(), complete=st.booleans())
def test_valid_answers_for_a_generated_template_always_pass(data, complete):
    raw = data.draw(templates())
    flat = list(iter_questions(raw))
    ids = data.draw(st.lists(question_ids, min_size=len(flat), max_size=len(flat), unique=True))
    for question, qid in zip(flat, ids, strict=True):
        question["id"] = qid
    questions = normalize_template(raw)

    answers = {}
    for question in iter_questions(questions):
        # A submit answers everything; a draft may leave anything out.
        if complete or data.draw(st.booleans()):
            answers[question["id"]] = data.draw(valid_answer(question))

    result = check(answers, complete=complete, questions=questions)
    assert result.ok, (result.errors, answers)
    assert set(result.answers) == set(answers)
    photo_ids = {q["id"] for q in iter_questions(questions) if q["answerType"] == "photo"}
    assert set(result.photo_serials) == photo_ids & set(answers)
    assert_well_behaved(result, questions)
