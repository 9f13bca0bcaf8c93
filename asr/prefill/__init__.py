"""Work-order pre-fill from a call transcript (issue 5 §5): pure extraction of the fields a seat fills —
category, caller's surname and form of address, callback number, district/street/address, anonymity, emergency
and its service line, 第13条 non-acceptance reason, repeat call, 第16条 urgency (`is_urgent`; `Prefill.urgency` is
the work order's 紧急 flag), summary, keywords and suggested units — each with the words it came from.

    from asr.prefill import prefill
    result = prefill("喂 你好 我 想 投诉 …", notes="王先生", directory=load_unit_directory())
    result.to_json()
"""

from asr.prefill.extract import FIELDS, Prefill, SuggestedUnit, prefill
from asr.prefill.gazetteer import Gazetteer, default_gazetteer
from asr.prefill.keywords import warm_up

__all__ = ["FIELDS", "Gazetteer", "Prefill", "SuggestedUnit", "default_gazetteer", "prefill", "warm_up"]
