"""Property fees (物业费): schedules, billing runs, invoices and receipts as PDF,
payments and bank imports, arrears and the collection rate, commitment letters;
and the platform's subscription invoices to its tenants."""
