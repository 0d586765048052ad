"""`salon replay`: play an archived session in the terminal — chat and Q&A as they happened,
with a progress bar on the session clock."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from salon_client.client import SalonClient


def clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def describe(event: dict[str, Any]) -> str | None:
    """One line for a timeline event, or None for events not worth a line."""
    kind, data = event["kind"], event["data"]
    question = data.get("question") if isinstance(data.get("question"), dict) else None
    asker = (question or {}).get("asker") or {}
    if kind == "chat.message":
        return f"[bold]{data.get('name', data.get('user_id'))}[/]: {data.get('body', '')}"
    if kind == "chat.delete":
        return "[dim](a message was deleted)[/]"
    if kind == "qa.ask" and question:
        who = asker.get("name") or "someone (anonymous)"
        return f"[yellow]Q #{question['id']}[/] {who}: {question.get('body', '')}"
    if kind == "qa.answer" and question:
        answers = question.get("answers") or []
        body = answers[-1].get("body", "") if answers else ""
        return f"[green]A to #{question['id']}[/]: {body}"
    if kind in ("qa.accept", "qa.mark_answered") and question:
        return f"[green]✓ #{question['id']} answered[/]"
    if kind.startswith("session."):
        return f"[cyan]— {kind.split('.', 1)[1]} —[/]"
    if kind in ("presence.join", "presence.leave"):
        verb = "joined" if kind.endswith("join") else "left"
        return f"[dim]{data.get('name', data.get('user_id'))} {verb}[/]"
    return None


async def play(
    url: str,
    token: str,
    session_id: str,
    speed: float,
    start: int,
    skip_silence: bool,
    console: Console | None = None,
) -> None:
    console = console or Console()
    client = SalonClient(url, token=token)
    done = asyncio.Event()
    await client.connect()
    try:
        reply = await client.replay_open(
            session_id, offset=start, speed=speed, skip_silence=skip_silence
        )
        duration = int(reply["duration_ms"])
        console.print(f"[bold]{reply['session']['title']}[/] — {clock(duration)} at {speed}x")
        with Progress(
            TextColumn("{task.description}"), BarColumn(), console=console, transient=True
        ) as progress:
            bar = progress.add_task(clock(start), total=max(duration, 1), completed=start)

            def moved(offset: int) -> None:
                progress.update(
                    bar, completed=offset, description=f"{clock(offset)} / {clock(duration)}"
                )

            def on_event(event: dict[str, Any]) -> None:
                line = describe(event)
                if line:
                    progress.console.print(f"[dim]{clock(event['offset'])}[/] {line}")
                moved(int(event["offset"]))

            client.on("replay:event", on_event)
            client.on("replay:doc", lambda d: moved(int(d["offset"])))
            client.on("replay:end", lambda _: done.set())
            await done.wait()
        console.print(f"[bold]end of session[/] ({clock(duration)})")
    finally:
        await client.close()
