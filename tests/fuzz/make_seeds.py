#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that take encoded input rather than text:
tests/fuzz/corpus/engine/ (command sequences in fuzz_engine.cpp's encoding) and
tests/fuzz/corpus/sqlite_store/ (byte overwrites of the store file). Each seed is written
readably here so that it says which path of the engine or the store it starts the fuzzer on;
the fuzzer mutates from there. Run it after changing an encoding:
    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

# --- fuzz_engine -------------------------------------------------------------------------
# Items, materials and kinds by their index in fuzz_engine.cpp.
LICENCE, FOOD, SIGN, FIRE = 0, 1, 2, 3
MATERIALS = ["business_licence", "premises_proof", "layout_plan", "food_safety_rules",
             "health_certificates", "sign_design", "fire_safety_rules"]
NEW_ID = 0x80      # an id byte of 0x40 or more: a new command id
NATURAL = 0x00     # an actor byte below 0x80: the actor the command needs
RETRY = 0x7F       # the actor byte that retries the last applied command


def mask(*names):
    return sum(1 << MATERIALS.index(n) for n in names)


def open_case(sign=None, area=None, menu=False, decide_sign=None, second_applicant=False, version=0):
    flags = 0
    if sign is not None:
        flags |= 1 | (2 if sign else 0)
    if area is not None:
        flags |= 4 | ([20, 50, 120, 0.5].index(area) << 3)
    if menu:
        flags |= 0x20
    if decide_sign is not None:  # the front desk decides `outdoor_sign` (the opposite of bit 1)
        flags |= 0x40
        if not decide_sign:
            flags |= 2
    if second_applicant:
        flags |= 0x80
    return [0, flags, version, NEW_ID]


def command(case, kind, args=(), actor=NATURAL):
    return [1, case, kind, *args, actor, NEW_ID]


def submit(case, *materials):
    return command(case, 0, [mask(*materials), 0])


def accept(case):
    return command(case, 1)


def accept_with_deficiency(case):
    return command(case, 2)


def return_for_correction(case, *materials):
    return command(case, 3, [mask(*materials)])


def refuse(case):
    return command(case, 4, [0])


def resubmit(case, *materials):
    return command(case, 5, [mask(*materials)])


def sign(case, item, decision=0, materials=()):
    return command(case, 7, [item, decision, mask(*materials), 0])


def supply(case, material):
    return command(case, 8, [MATERIALS.index(material)])


def pledge(case, item):
    return command(case, 9, [item])


def post_check(case, item, passed=True):
    return command(case, 10, [item, 3 if passed else 2])


def withdraw(case):
    return command(case, 11)


def issue(case):
    return command(case, 12)


def rate(case, score):
    return command(case, 13, [score + 1])


# The approval operations (kinds 14-23); a slot byte of 0xc0 or more names slot `byte & 3`.
def slot_byte(slot):
    return 0 if slot is None else 0xC0 | slot


def claim(case, item, slot=None):
    return command(case, 14, [item, slot_byte(slot)])


def unclaim(case, item, slot=None):
    return command(case, 15, [item, slot_byte(slot)])


def transfer(case, item, to, delegate=False):  # to: person-<to % 4>
    return command(case, 16, [0 if delegate else 1, item, to, 0])


def resolve(case, item, advice=0):  # advice 0 approve, 1 reject, 2 return, 3 a recall
    return command(case, 18, [item, advice, 0])


def add_signer(case, item, role=0, person=0, position=2):
    return command(case, 19, [item, role, person, position, 0])


def remove_signer(case, item, slot):
    return command(case, 20, [item, slot, 0])


def reject_back(case, item, to_previous=True):
    return command(case, 21, [item, 1 if to_previous else 0] + ([] if to_previous else [0]) + [0])


def reclaim(case, item):
    return command(case, 22, [item, 0, 0])


def remind(case, item):
    return command(case, 23, [item])


def clock(hours):
    return [10, hours]


EVERYTHING_BUT_FIRE = ["premises_proof", "layout_plan", "food_safety_rules", "health_certificates", "sign_design"]
ALL = EVERYTHING_BUT_FIRE + ["fire_safety_rules"]
NO_SIGN = [m for m in ALL if m != "sign_design"]  # for cases without an outdoor sign
SMALL = [m for m in NO_SIGN if m != "fire_safety_rules"]  # no sign, under 50 m²: no fire check

ENGINE_SEEDS = {
    # 容缺受理: all four items, the fire-safety rules deferred, supplied, issued, rated.
    "deficiency_to_issuance": [0] + open_case(sign=True, area=120, menu=True)
    + submit(0, *EVERYTHING_BUT_FIRE) + accept(0) + accept_with_deficiency(0)
    + sign(0, LICENCE) + sign(0, SIGN) + sign(0, FOOD) + sign(0, FOOD) + sign(0, FIRE) + sign(0, FIRE)
    + issue(0) + clock(20) + supply(0, "fire_safety_rules") + issue(0) + rate(0, 5),
    # 补正 at intake, then a reviewer returns a material; resubmitted twice and issued.
    "corrections": [1] + open_case(sign=False, area=20, second_applicant=True)
    + submit(0, "layout_plan", "food_safety_rules", "health_certificates")
    + return_for_correction(0, "premises_proof") + resubmit(0, "premises_proof") + accept(0)
    + sign(0, LICENCE) + sign(0, FOOD, decision=2, materials=["layout_plan"]) + resubmit(0, "layout_plan")
    + sign(0, FOOD) + sign(0, FOOD) + issue(0),
    # 告知承诺 on the food licence, issued, then post-checked (failed and passed).
    "pledge_and_post_check": [2] + open_case(sign=False, area=50)
    + submit(0, *NO_SIGN) + pledge(0, FOOD) + pledge(0, FIRE) + accept(0) + sign(0, LICENCE)
    + sign(0, FIRE) + sign(0, FIRE) + sign(0, FOOD) + sign(0, FOOD) + issue(0)
    + post_check(0, FOOD, passed=False) + post_check(0, FIRE) + clock(200) + rate(0, 1),
    # A deferred material that lapses: the clock runs past its deadline, timers fire.
    "deferral_lapses": [3] + open_case(sign=True, area=50, menu=True)
    + submit(0, *EVERYTHING_BUT_FIRE) + accept_with_deficiency(0) + sign(0, LICENCE)
    + clock(100) + clock(255) + [15, 0, 1] + [15, 0, 8] + supply(0, "fire_safety_rules"),
    # Refusal, withdrawal, and commands on cases that are closed.
    "refuse_and_withdraw": [4] + open_case(sign=False, area=20) + open_case(sign=False, area=20, second_applicant=True)
    + submit(0, *SMALL) + refuse(0) + submit(1, *SMALL) + withdraw(1) + accept(0) + accept(1) + rate(1, 3),
    # A case moves to 2024.2; another, started, cannot move to 2024.3.
    "migration": [5] + open_case(sign=False, area=120) + submit(0, *NO_SIGN) + accept(0) + sign(0, LICENCE)
    + [14] + [11, 0, 2, NATURAL, NEW_ID] + open_case(sign=True, area=20) + [14]
    + [11, 1, 0, NATURAL, NEW_ID] + submit(1, *EVERYTHING_BUT_FIRE) + sign(0, FOOD) + [11, 0, 3, NATURAL, NEW_ID]
    + [12, 0] + [13] + sign(0, FOOD),
    # Snapshots, verification, a dropped cache, retries and a reused key.
    "snapshots_and_retries": [6] + open_case(sign=True, area=120) + submit(0, *ALL)
    + command(0, 1, actor=RETRY) + accept(0) + [12, 0] + [13] + sign(0, LICENCE)
    + [1, 0, 7, LICENCE, 0, 0, 0, NATURAL, 0x00]  # a new command under the open's id
    + [0, 0x18 | 0x07, 0, NEW_ID],  # these flags retry the last open
    # 认领, 转办, 委派 and its advice, signing, 拿回, 驳回 and 催办 on the restaurant's steps
    # (which allow claim, transfer and delegate; the others are refused), then issuance.
    "approval_operations": [8] + open_case(sign=False, area=120) + submit(0, *NO_SIGN) + accept(0)
    + claim(0, LICENCE) + unclaim(0, LICENCE) + claim(0, LICENCE) + transfer(0, LICENCE, 1)
    + transfer(0, LICENCE, 2, delegate=True) + resolve(0, LICENCE, advice=3) + sign(0, LICENCE)
    + reclaim(0, LICENCE) + sign(0, LICENCE) + add_signer(0, FOOD) + remove_signer(0, FOOD, 1)
    + remind(0, FOOD) + sign(0, FOOD) + reject_back(0, FOOD, to_previous=False) + reject_back(0, FOOD)
    + sign(0, FOOD) + sign(0, FOOD) + sign(0, FIRE) + sign(0, FIRE) + issue(0),
    # Missing answers, unknown versions and cases, wrong actors, unknown items.
    "refusals": [7] + open_case() + open_case(sign=True) + open_case(area=120, version=4)
    + open_case(decide_sign=True, area=0.5) + submit(1, *ALL) + command(5, 1) + command(0, 7, [4, 0, 0, 0])
    + command(0, 1, actor=0x80 + 3) + command(0, 6, [FOOD, 1, 0xc1]) + command(0, 6, [FIRE, 0, 0])
    + command(0, 13, [9]) + command(0, 8, [7]),
}

# --- fuzz_sqlite_store ---------------------------------------------------------------------
HEADER = 0x80  # an offset byte of 0x80 or more targets the first 128 bytes of the file


def at(offset, value):
    """An overwrite anywhere in the file (offset modulo its size)."""
    return [offset >> 16 & 0x7F, offset >> 8 & 0xFF, offset & 0xFF, value]


def header(offset, value):
    return [HEADER | offset, value]


STORE_SEEDS = {
    "unchanged": [],
    "write_version": header(18, 2) + header(19, 2),     # file format read/write versions
    "page_size": header(16, 0x20),                     # page size 8192 instead of 4096
    "schema_cookie": header(43, 7),                    # the schema cookie changes
    "application_id": header(68, 0),                   # no longer marked a yishi database
    "schema_version_newer": header(63, 9),             # user_version 9 (newer than this build)
    "schema_version_older": header(63, 1),             # user_version 1 (migrations rerun)
    "second_page": at(4096 + 8, 0xFF) + at(4096 + 100, 0),
    "scattered": at(8192 + 17, 0x41) + at(12288 + 300, 0x00) + at(20000, 0x13) + at(30000, 0x99),
}


def write(folder, seeds):
    out = HERE / "corpus" / folder
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (out / name).write_bytes(bytes(b & 0xFF for b in data))


if __name__ == "__main__":
    write("engine", ENGINE_SEEDS)
    write("sqlite_store", STORE_SEEDS)
