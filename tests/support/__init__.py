"""What the tests (and benchmarks) share: the fake Bot API (emulator), the strict checker of
Telegram HTML (telegram_html), and helpers to talk to the bot through them (chat)."""
