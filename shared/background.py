"""One background task per object, from ``start`` to ``stop`` (relay, overdue scanner, reader)."""

from __future__ import annotations

import asyncio
import contextlib


class BackgroundLoop:
    """Runs ``_run`` as one task from :meth:`start` until :meth:`stop`."""

    #: The task's name, as asyncio debugging and py-spy show it.
    task_name = "background-loop"
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the loop in the background (once per process)."""
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait until it has ended."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def alive(self) -> bool:
        """The loop was started and has not ended."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        raise NotImplementedError
