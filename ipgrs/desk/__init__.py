"""The operator's desk: filing on behalf of a citizen at the 1902 helpline, Bapuji Seva Kendra, Janaspandana,
CMO and CSO desks."""
