"""Socket.IO: joining a room's channels, presence, and the broadcast of rendered fragments."""
