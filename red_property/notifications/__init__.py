"""In-app notifications (and email when SMTP is configured): what a user must act on."""
