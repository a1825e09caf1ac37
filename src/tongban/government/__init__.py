"""Government structure: regions in four levels, departments, officers."""
