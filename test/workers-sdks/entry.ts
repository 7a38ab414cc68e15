export default { fetch: () => new Response('closeloop sdks test worker') };
