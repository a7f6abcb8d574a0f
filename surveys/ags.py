"""The AGS checklist: the built-in survey attached to every check-in order.

Seed 001: an order that meets AFS's check-in criteria gets the AGS Checklist; the crew checks in with a valid
ABC number on arrival, fills out and submits the checklist, and presses Complete. The questions below use the
same format as a client's form (see ``surveys.validation``) and pass ``normalize_template``; they are sent to
FAStrack as the ``checklist`` of ``POST /workorders/<number>/checkin/complete``.

Question ids are a contract with stored answers: never rename or reuse one; bump ``AGS_VERSION`` when the
questions change.
"""

from __future__ import annotations

AGS_FORM_ID = "AGS-CHECKLIST"
AGS_VERSION = 1
AGS_NAME = "AGS Checklist"

OCCUPANCY_CHOICES = ["Vacant", "Occupied", "Unknown"]
UTILITY_CHOICES = ["All on", "Some on", "All off", "Unable to determine"]

AGS_QUESTIONS: list[dict] = [
    {
        "type": "section",
        "title": "Arrival",
        "questions": [
            {
                "id": "arrival_front_photo",
                "answerType": "photo",
                "label": "Photo of the front of the house with the address visible",
                "required": True,
            },
            {
                "id": "arrival_property_secured",
                "answerType": "yesNo",
                "label": "Was the property secured on arrival?",
                "required": True,
            },
            {
                "id": "arrival_occupancy",
                "answerType": "choice",
                "label": "Occupancy status",
                "required": True,
                "choices": OCCUPANCY_CHOICES,
            },
            {
                "id": "arrival_lockbox_code",
                "answerType": "text",
                "label": "Lockbox code (if a lockbox is present)",
                "required": False,
            },
        ],
    },
    {
        "type": "section",
        "title": "Property condition",
        "questions": [
            {
                "id": "condition_utilities",
                "answerType": "choice",
                "label": "Utilities on",
                "required": True,
                "choices": UTILITY_CHOICES,
            },
            {
                "id": "condition_damage_found",
                "answerType": "yesNo",
                "label": "Any damage found (roof, windows, doors, water, vandalism)?",
                "required": True,
            },
            {
                "id": "condition_damage_notes",
                "answerType": "text",
                "label": "Describe the damage and where it is",
                "required": False,
            },
            {
                "id": "condition_damage_photos",
                "answerType": "photo",
                "label": "Photos of the damage",
                "required": False,
            },
            {
                "id": "condition_hazards_found",
                "answerType": "yesNo",
                "label": "Any health or safety hazards (mold, exposed wiring, open pool)?",
                "required": True,
            },
        ],
    },
    {
        "type": "section",
        "title": "Departure",
        "questions": [
            {
                "id": "departure_doors_windows_locked",
                "answerType": "yesNo",
                "label": "All doors and windows locked on departure?",
                "required": True,
            },
            {
                "id": "departure_secured_photos",
                "answerType": "photo",
                "label": "Photos of the secured property",
                "required": True,
            },
            {
                "id": "departure_minutes_on_site",
                "answerType": "number",
                "label": "Time on site (minutes)",
                "required": True,
            },
            {
                "id": "departure_next_visit_date",
                "answerType": "date",
                "label": "Follow-up visit needed on (if any)",
                "required": False,
            },
            {
                "id": "departure_comments",
                "answerType": "text",
                "label": "Comments for the client",
                "required": False,
            },
        ],
    },
]
