console.log('ensure-temporal placeholder run')
