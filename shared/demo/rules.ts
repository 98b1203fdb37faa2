/**
 * The anonymization rules for the demo schema (`schema.sql`): every column classified, personal data
 * masked, order numbers and timestamps kept so the example bot can still answer. A rules document
 * (`tables:` at the top), used as the demo config's `anonymize` section and by tests.
 */
export const DEMO_RULES_YAML = `tables:
  public.users:
    columns:
      id: keep
      email: email
      full_name: fullName
      phone: phone
      locale: keep
      created_at: keep
  public.orders:
    columns:
      id: keep
      user_id: keep
      order_number: keep
      status: keep
      total_cents: keep
      placed_at: keep
  public.conversations:
    columns: { id: keep, user_id: keep, channel: keep, started_at: keep }
  public.messages:
    columns:
      id: keep
      conversation_id: keep
      sender: keep
      body: scrubText
      sent_at: keep
`;
