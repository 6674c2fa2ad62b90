// faasml's OpenFaaS template server (the shape of the node20 template's index.js): of-watchdog
// in http mode forwards every request to this express + body-parser server on http_port.
// function/handler.js is built by `faasml build openfaas`: one workload's handler bundled with
// faasml's OpenFaaS adapter, so errors and status codes match every other platform.
'use strict'

const { handler, functionName, createOpenFaasApp, openFaasContext } = require('./function/handler.js')

const name = process.env.FAASML_FUNCTION || functionName
const app = createOpenFaasApp(handler, openFaasContext(name))

const port = Number(process.env.http_port || 3000)
const server = app.listen(port, (err) => {
    if (err) {
        console.error(`faasml-node20 (${name}) cannot listen on port ${port}: ${err.message}`)
        process.exit(1)
    }
    console.log(`faasml-node20 (${name}) listening on port: ${server.address().port}`)
})

// of-watchdog sends SIGTERM when the replica is scaled down: finish in-flight requests.
process.on('SIGTERM', () => {
    server.close(() => process.exit(0))
})
