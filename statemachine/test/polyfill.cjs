// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22). This makes
// it work on Node 20; on newer Node it does nothing.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
