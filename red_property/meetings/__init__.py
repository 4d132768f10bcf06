"""Three-party joint meetings (三位一体联席会议): attendees, agenda, decisions, follow-up, calendar."""
