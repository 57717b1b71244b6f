"""TwiML pieces every side of a call uses: speaking a prompt, a polite end.

Every answer ends in a way that never leaves the caller in silence: goodbyes end with <Hangup/>.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.voice_response import Gather, Say, SsmlProsody, VoiceResponse

from telephony.prompts import PromptBook, Spelled, Spoken

# Pauses between the groups of a spelled-out piece: a phone number is read at a normal pace in
# its groups ("0171 – 222 – 3334"), a reference slower, since callers write it down.
GROUP_PAUSE = "300ms"
SLOW_GROUP_PAUSE = "700ms"
SLOW_RATE = "slow"


def say(node: VoiceResponse | Gather, spoken: Spoken) -> None:
    """One <Say>; numbers and references in it as SSML, spelled out in groups with pauses."""
    if not spoken.parts:
        node.say(spoken.text, voice=spoken.voice, language=spoken.language)
        return
    words = Say(voice=spoken.voice, language=spoken.language)
    for part in spoken.parts:
        if isinstance(part, Spelled):
            _spell(words, part, spoken.voice)
        else:
            words.append(part)
    node.append(words)


def _interpretation(interpret_as: str, voice: str) -> str:
    """Google's voices know no "digits"; "characters" spells digits there the same way. (Polly's
    neural voices speak a sentence with "spell-out" in their standard voice; Twilio bills it
    as neural.)"""
    return "characters" if interpret_as == "digits" and voice.startswith("Google.") else interpret_as


def _spell(words: Say, spelled: Spelled, voice: str) -> None:
    target: Say | SsmlProsody = words.prosody(rate=SLOW_RATE) if spelled.slow else words
    pause = SLOW_GROUP_PAUSE if spelled.slow else GROUP_PAUSE
    if spelled.prefix:
        target.append(spelled.prefix + " ")
    for index, group in enumerate(spelled.groups):
        if index:
            target.break_(time=pause)
            target.append(" ")  # the words stay apart where SSML is read as plain text
        target.say_as(group, interpret_as=_interpretation(spelled.interpret_as, voice))


def goodbye(prompts: PromptBook, language: str, lead: Sequence[Spoken] = ()) -> VoiceResponse:
    response = VoiceResponse()
    for spoken in lead:
        say(response, spoken)
    say(response, prompts.say(language, "goodbye"))
    response.hangup()
    return response


def apology(prompts: PromptBook, language: str, key: str = "technical_problem") -> VoiceResponse:
    """The answer when anything goes wrong: a sentence and a polite end, never dead air."""
    return goodbye(prompts, language, lead=[prompts.say(language, key)])
