// The all-zero GUID the shipped stack files carry where only the user knows the real id (the
// deploy job's network, the admin group). stacks/placeholders.ts and azure-no-example-ids share it.

export const exampleGuid = "00000000-0000-0000-0000-000000000000";

export const isExampleId = (value: unknown): boolean => typeof value === "string" && value.toLowerCase().includes(exampleGuid);
