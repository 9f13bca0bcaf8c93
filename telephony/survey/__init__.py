"""The automated return-visit dialer (自动回访): pacing (pure) and the dialer on the telephony facade."""
