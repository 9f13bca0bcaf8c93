"""AudioSocket intake: the pure frame codec (`codec`) and the asyncio server Asterisk connects to per call
(`server`)."""
