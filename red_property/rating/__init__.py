"""Credit rating of property companies (信用评价): the bureau's model as data,
deterministic scoring, grades, runs, publication and appeals."""
