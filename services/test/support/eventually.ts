/** Polls until `check` passes (a NOTIFY or a reload is asynchronous), failing with its last error after `ms`. */
export async function eventually(check: () => Promise<void>, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
        try {
            return await check();
        } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
}
