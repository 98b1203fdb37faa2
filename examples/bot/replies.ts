/** A reply message: text and optional quick-reply buttons. */
export interface BotMessage {
  readonly text: string;
  readonly buttons?: readonly { readonly title: string }[];
}

/** What the bot looks up in its database. */
export interface SupportData {
  orderStatus(orderNumber: string): Promise<string | undefined>;
  emailForOrder(orderNumber: string): Promise<string | undefined>;
}

/** What the bot remembers of one conversation. */
export interface ConversationMemory {
  lastOrder?: string;
}

const ORDER = /\b(ORD-\d{4,})\b/i;

/**
 * The example support bot's brain: greets, tracks an order, tells the email on file for an order, and
 * remembers the last order of the conversation so "and the email for it?" works as a second turn.
 */
export async function reply(text: string, memory: ConversationMemory, data: SupportData): Promise<BotMessage[]> {
  const mentioned = ORDER.exec(text)?.[1]?.toUpperCase();
  if (mentioned) memory.lastOrder = mentioned;
  const order = mentioned ?? memory.lastOrder;
  if (/^\s*(hi|hello|hey)\b/i.test(text)) {
    return [{ text: 'Hello! I can track an order or tell you the email we have on file.', buttons: [{ title: 'Track an order' }, { title: 'Email on file' }, { title: 'Talk to a human' }] }];
  }
  if (/\bemail\b/i.test(text)) {
    if (!order) return [{ text: 'Which order is it about? Please give the order number, like ORD-100001.' }];
    const email = await data.emailForOrder(order);
    return [{ text: email ? `The email on file for order ${order} is ${email}.` : `I cannot find order ${order}.` }];
  }
  if (/\b(where|status|track|arrived?)\b/i.test(text) || mentioned) {
    if (!order) return [{ text: 'Please give me your order number, like ORD-100001.' }];
    const status = await data.orderStatus(order);
    if (!status) return [{ text: `I cannot find order ${order}.` }];
    return [{ text: `Order ${order} is ${status}.` }, { text: 'Anything else?', buttons: [{ title: 'Email on file' }, { title: 'No, thanks' }] }];
  }
  if (/\b(human|agent)\b/i.test(text)) return [{ text: 'I am handing you over to a colleague.' }];
  if (/\b(thanks|thank you|no)\b/i.test(text)) return [{ text: 'You are welcome. Goodbye!' }];
  return [{ text: 'Sorry, I did not get that. I can track an order or tell you the email on file.' }];
}
