"""Citizens: registration and login by mobile number and OTP, the profile, API tokens."""
