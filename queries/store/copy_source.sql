-- Everything of the attached database into the in-memory one.
COPY FROM DATABASE source TO memory
