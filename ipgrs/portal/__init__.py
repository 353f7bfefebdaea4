"""The citizen portal: phone-first pages in English and Kannada, on the citizen's OTP session."""
