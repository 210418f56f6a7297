"""The validation checks behind `ssda903.validate.validate`, in three groups:

  values     one column at a time, from the schema: blank, date, code for the year, number,
             UPN, URN, postcode (form and ONS directory)
  episodes   one episode's dates, the next episode of the same child, provider, age,
             the first episode's reason
  cross      repeated rows, tables missing from a year, Header against the other tables,
             Missing and Reviews dates

Each group is a function of a `Context` (frames, parsed dates, child codes) yielding
`report.Issues`, made one frame at the end. Codes, severities and fixes are declared in
schema/checks.yaml (`catalogue`).
"""
