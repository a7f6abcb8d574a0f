"""Realistic generated work orders (benchmarks) and the fixed demo data (``--seed-demo``).

Contracts:
- ``generate_orders(count, services_per_order, seed, start_number)`` is deterministic for a seed (and the
  day: due dates are "in the coming weeks" from today) and returns ``(orders, form templates)``; about 20% of
  orders carry a form, about 10% require check-in, photoRequired is mostly true.
- ``seed_demo(store)`` (re)creates vendor demo-vendor / demo-pass and its orders, replacing its old data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

# (city, state, ZIP prefix, latitude, longitude): real places, so maps and addresses look right.
CITIES = [
    ("Austin", "TX", "787", 30.2672, -97.7431),
    ("Dallas", "TX", "752", 32.7767, -96.7970),
    ("Houston", "TX", "770", 29.7604, -95.3698),
    ("San Antonio", "TX", "782", 29.4241, -98.4936),
    ("Phoenix", "AZ", "850", 33.4484, -112.0740),
    ("Tucson", "AZ", "857", 32.2226, -110.9747),
    ("Atlanta", "GA", "303", 33.7490, -84.3880),
    ("Savannah", "GA", "314", 32.0809, -81.0912),
    ("Orlando", "FL", "328", 28.5383, -81.3792),
    ("Tampa", "FL", "336", 27.9506, -82.4572),
    ("Jacksonville", "FL", "322", 30.3322, -81.6557),
    ("Charlotte", "NC", "282", 35.2271, -80.8431),
    ("Raleigh", "NC", "276", 35.7796, -78.6382),
    ("Columbus", "OH", "432", 39.9612, -82.9988),
    ("Cleveland", "OH", "441", 41.4993, -81.6944),
    ("Detroit", "MI", "482", 42.3314, -83.0458),
    ("Indianapolis", "IN", "462", 39.7684, -86.1581),
    ("Memphis", "TN", "381", 35.1495, -90.0490),
    ("Nashville", "TN", "372", 36.1627, -86.7816),
    ("Las Vegas", "NV", "891", 36.1699, -115.1398),
    ("Denver", "CO", "802", 39.7392, -104.9903),
    ("Kansas City", "MO", "641", 39.0997, -94.5786),
    ("St. Louis", "MO", "631", 38.6270, -90.1994),
    ("Birmingham", "AL", "352", 33.5186, -86.8104),
    ("Oklahoma City", "OK", "731", 35.4676, -97.5164),
    ("Albuquerque", "NM", "871", 35.0844, -106.6504),
    ("Sacramento", "CA", "958", 38.5816, -121.4944),
    ("Fresno", "CA", "937", 36.7378, -119.7871),
    ("Baltimore", "MD", "212", 39.2904, -76.6122),
    ("Chicago", "IL", "606", 41.8781, -87.6298),
]
STREETS = [
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Walnut",
    "Willow",
    "Hickory",
    "Pecan",
    "Magnolia",
    "Main",
    "Church",
    "Park",
    "Lake",
    "Hill",
    "Sunset",
    "Meadow",
    "Ridge",
    "Forest",
    "River",
    "Spring",
    "Highland",
    "Lincoln",
    "Washington",
    "Jefferson",
    "Franklin",
    "Madison",
    "Jackson",
    "Mill",
    "Valley",
]
SUFFIXES = ["St", "Ave", "Dr", "Ln", "Rd", "Ct", "Blvd", "Way", "Cir", "Trl"]
SERVICES = [
    "Grass Cut",
    "Winterization",
    "Lock Change",
    "Debris Removal",
    "Board Up",
    "Initial Secure",
    "Property Inspection",
    "Maid Service",
    "Pool Securing",
    "Mandatory Survey",
    "Shrub Trim",
    "Gutter Cleaning",
    "Sump Pump Check",
    "Snow Removal",
    "Mold Remediation",
    "Roof Tarp",
    "Re-Key",
    "Utility Check",
    "Window Glazing",
    "Hazard Abatement",
]
INSTRUCTIONS = [
    "Take before, during and after photos of every service from the same angles.",
    "Lockbox code is on the work order; re-secure all entry points before leaving.",
    "Do not remove personal property; photograph and report it in the comments.",
    "Cut grass to 2 inches, edge walks and drive, remove clippings from hard surfaces.",
    "Winterize plumbing: blow out lines, add antifreeze to traps, post winterization notices.",
    "Call the broker before arrival if the property appears occupied.",
    "Report any roof leaks or active water damage immediately with photos.",
]


def _q(qid: str, kind: str, label: str, required: bool = True, choices: tuple = ()) -> dict:
    return {"id": qid, "answerType": kind, "label": label, "required": required, "choices": list(choices)}


GENERATED_FORMS = [
    {
        "formId": "GEN-PCR",
        "version": 1,
        "name": "Property Condition Report",
        "questions": [
            _q("occupied", "yesNo", "Is the property occupied?"),
            _q("condition", "choice", "Overall condition", choices=("Good", "Fair", "Poor")),
            {
                "type": "section",
                "title": "Exterior",
                "questions": [
                    _q("roof_notes", "text", "Roof notes", required=False),
                    _q("debris_cy", "number", "Debris (cubic yards)", required=False),
                    _q("front_photo", "photo", "Front of house"),
                ],
            },
            _q("inspected_on", "date", "Inspection date"),
        ],
    },
    {
        "formId": "GEN-WINT",
        "version": 2,
        "name": "Winterization Checklist",
        "questions": [
            _q("water_off", "yesNo", "Water shut off at the street?"),
            _q("heat_type", "choice", "Heating type", choices=("Gas", "Electric", "Oil", "None")),
            _q("psi", "number", "Pressure test (PSI)"),
            _q("notes", "text", "Notes", required=False),
            _q("tested_on", "date", "Tested on"),
            _q("gauge_photo", "photo", "Gauge photo"),
        ],
    },
]


def generate_orders(
    count: int, services_per_order: int, seed: int, start_number: int | None = None
) -> tuple[list[dict], list[dict]]:
    """``count`` orders numbered from ``start_number`` (default 30,000,000), and the form templates used."""
    rng = random.Random(seed)
    start = 30_000_000 if start_number is None else start_number
    today = date.today()
    names = SERVICES
    if services_per_order > len(SERVICES):  # more than there are names: number the extra rounds
        rounds = -(-services_per_order // len(SERVICES))
        names = [f"{n} {r + 1}" if r else n for r in range(rounds) for n in SERVICES]
    orders = []
    for i in range(count):
        number = str(start + i)
        city, state, zip3, lat, lng = CITIES[rng.randrange(len(CITIES))]
        services = [
            {
                "serviceId": f"{number}-{k + 1}",
                "serviceName": name,
                "photoRequired": rng.random() < 0.9,
                "formId": None,
            }
            for k, name in enumerate(rng.sample(names, services_per_order))
        ]
        forms = []
        if rng.random() < 0.2:
            template = GENERATED_FORMS[rng.randrange(len(GENERATED_FORMS))]
            services[rng.randrange(len(services))]["formId"] = template["formId"]
            forms.append({k: template[k] for k in ("formId", "name", "version")})
        orders.append(
            {
                "workOrderNumber": number,
                "clientCode": "AFS",
                "status": "new",
                "address1": f"{rng.randint(100, 9899)} {STREETS[rng.randrange(len(STREETS))]} "
                f"{SUFFIXES[rng.randrange(len(SUFFIXES))]}",
                "address2": f"Unit {rng.randint(1, 40)}" if rng.random() < 0.1 else "",
                "city": city,
                "state": state,
                "zip": f"{zip3}{rng.randint(1, 99):02d}",
                "latitude": round(lat + rng.uniform(-0.15, 0.15), 6),
                "longitude": round(lng + rng.uniform(-0.15, 0.15), 6),
                "dueDate": (today + timedelta(days=rng.randint(1, 28))).isoformat(),
                "instructions": INSTRUCTIONS[rng.randrange(len(INSTRUCTIONS))],
                "checkInRequired": rng.random() < 0.1,
                "services": services,
                "forms": forms,
            }
        )
    return orders, GENERATED_FORMS


DEMO_VENDOR = ("demo-vendor", "demo-pass", ["ABC123456", "ABC654321"])
DEMO_FORM = {
    "formId": "PCR-1",
    "version": 1,
    "name": "Property Condition Report",
    "questions": [
        _q("occupied", "yesNo", "Is the property occupied?"),
        _q("condition", "choice", "Overall condition", choices=("Good", "Fair", "Poor")),
        {
            "type": "section",
            "title": "Exterior",
            "questions": [
                _q("roof", "text", "Roof condition", required=False),
                _q("front_photo", "photo", "Front of house"),
            ],
        },
        _q("inspected_on", "date", "Inspection date"),
    ],
}


def _demo_order(
    number: str, address1: str, zip_code: str, lat: float, lng: float, services: list[str], days: int, **extra
) -> dict:
    order = {
        "workOrderNumber": number,
        "clientCode": "AFS",
        "status": "new",
        "address1": address1,
        "address2": "",
        "city": "Austin",
        "state": "TX",
        "zip": zip_code,
        "latitude": lat,
        "longitude": lng,
        "dueDate": (date.today() + timedelta(days=days)).isoformat(),
        "instructions": "Take before, during and after photos of every service. Re-secure the property.",
        "checkInRequired": False,
        "forms": [],
        "services": [
            {"serviceId": f"{number}-{i + 1}", "serviceName": name, "photoRequired": True, "formId": None}
            for i, name in enumerate(services)
        ],
    }
    order.update(extra)
    return order


def demo_orders() -> list[dict]:
    """About a dozen orders around Austin, TX, with the seeds' awkward cases on purpose."""
    pcr = {"formId": "PCR-1", "name": DEMO_FORM["name"], "version": 1}
    with_form = _demo_order(
        "21890417",
        "4105 Duval St",
        "78751",
        30.3079,
        -97.7210,
        ["Property Inspection", "Debris Removal"],
        5,
        forms=[pcr],
    )
    with_form["services"][0]["formId"] = "PCR-1"
    return [
        _demo_order("21654001", "1100 Congress Ave", "78701", 30.2747, -97.7404, ["Grass Cut"], 3),
        _demo_order(
            "21654318",
            "2207 E Cesar Chavez St",
            "78702",
            30.2563,
            -97.7190,
            ["Initial Secure", "Lock Change", "Board Up"],
            2,
        ),
        # The same number sent twice, as FAStrack sometimes does.
        _demo_order("21771463", "5802 Burnet Rd", "78756", 30.3351, -97.7395, ["Winterization"], 6),
        _demo_order("21771463", "5802 Burnet Rd", "78756", 30.3351, -97.7395, ["Winterization"], 6),
        _demo_order(
            "21802290",
            "7309 Ladera Norte",
            "78731",
            30.3589,
            -97.7679,
            ["Maid Service", "Re-Key"],
            9,
            status="accepted",
        ),
        with_form,
        _demo_order(
            "21955120",
            "3400 S Lamar Blvd",
            "78704",
            30.2434,
            -97.7834,
            ["Grass Cut", "Shrub Trim"],
            4,
            checkInRequired=True,
            instructions="AGS check-in required: check in with your ABC number on arrival.",
        ),
        _demo_order(
            "22010873",
            "9600 Great Hills Trl",
            "78759",
            30.4004,
            -97.7483,
            ["Pool Securing", "Debris Removal"],
            12,
        ),
        _demo_order(
            "22104456",
            "1201 Barbara Jordan Blvd",
            "78723",
            30.3000,
            -97.7060,
            ["Property Inspection"],
            7,
            status="in_qc",
        ),
        # Two services with the same name: the photo flags must still tell them apart.
        _demo_order(
            "22215251",
            "6500 Manchaca Rd",
            "78745",
            30.2074,
            -97.8006,
            ["Mandatory Survey", "Mandatory Survey", "Grass Cut"],
            8,
        ),
        _demo_order("22298734", "12400 N Lamar Blvd", "78753", 30.4135, -97.6799, ["Snow Removal"], 14),
        _demo_order(
            "22301185",
            "800 W Slaughter Ln",
            "78748",
            30.1720,
            -97.7953,
            ["Lock Change"],
            10,
            status="completed",
        ),
        _demo_order(
            "22350912",
            "2901 S Capital of Texas Hwy",
            "78746",
            30.2711,
            -97.8028,
            ["Winterization", "Gutter Cleaning"],
            21,
        ),
    ]


def seed_demo(store) -> dict:
    """Replace demo-vendor's data with the demo set; safe to run again."""
    username, password, abc_numbers = DEMO_VENDOR
    with store.lock:
        store.reset(username)
        vendor = store.put_vendor(username, password, abc_numbers)
        store.put_form(DEMO_FORM)
        created = store.put_orders(vendor, demo_orders())
    return {"vendor": username, "created": created}
