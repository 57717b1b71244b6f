"""TwiML pieces every side of a call uses: speaking a prompt, a polite end.

Every answer ends in a way that never leaves the caller in silence: goodbyes end with <Hangup/>.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.voice_response import Gather, VoiceResponse

from telephony.prompts import PromptBook, Spoken


def say(node: VoiceResponse | Gather, spoken: Spoken) -> None:
    node.say(spoken.text, voice=spoken.voice, language=spoken.language)


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
