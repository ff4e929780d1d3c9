package dev.qmpkit.templating.guest;

/**
 * The assembled bytes of {@code templating/src/main/guest/counter.S}, base64. Regenerate with
 * {@code sh templating/src/main/guest/build.sh /tmp/guest.bin && base64 -w0 /tmp/guest.bin};
 * {@code BuiltinGuestTest} re-assembles the source and fails when the two drift apart.
 */
final class GuestImage {
    private GuestImage() {
    }

    static final String BASE64 = "6yJmkAKwrRsAAAEA/k9R5AQAEAAAABAAAAAAAAAAAAAkABAA+vyJxg8BFfADEADqNgAQAAgAZrgQAI7YjsCO0I7gjui8AAAh"
            + "AOgPAwAAgf4CsK0rdSH3AwEAAAB0GYtDCD0AvAAAcw++/AMQAOgwAwAA6QEBAADHBQAAIAAAAAAAxwUEACAAAAAAAMcFCAAg"
            + "AAAAAADHBQwAIAAAAAAAvwAAAAG5AAAAA4n4Nd7AF1qJB4PHBDnPcvDovgAAAOgGAQAA6CYBAAC+TQQQAOjQAgAAuAAAAAHo"
            + "0wIAAL5tBBAA6LwCAAC4AAAAAui/AgAAvnEEEADoqAIAALjewBda6KsCAAC+eQQQAOiUAgAAuAAAIADolwIAALAK6HACAADH"
            + "BQgAIABSRURZvoUEEADobwIAAPqDPQwAIAAAdDfHBQwAIAAAAAAAoQAAIACLFQQAIAD7UL6MBBAA6EQCAACJ0OhKAgAAWOhE"
            + "AgAAsAroHQIAAOu/+/Tru/r06/y/ABAgADHJg/kgcwmNBM1AAhAA6xGD+SB1B7j7ARAA6wW4MAIQAGaJB2bHRwIIAGbHRwQA"
            + "jsHoEGaJRwaDxwhBg/kwcsIPAR32AxAAw7AR5iDmoLAg5iGwKOahsATmIbAC5qGwAeYh5qGw/uYhsP/mocOwNOZDsJzmQLAu"
            + "5kDDUIMFAAAgAAGDFQQAIAAAoQAAIABSUTHSuQoAAAD38YXSdQrHBQwAIAABAAAAWVqwIOYgWM9QsCDmoOYgWM+NtCYAAAAA"
            + "agDp9QAAAJBqAentAAAAkGoC6eUAAACQagPp3QAAAJBqBOnVAAAAkGoF6c0AAACQagbpxQAAAJBqB+m9AAAAkGoI6bUAAACQ"
            + "agnprQAAAJBqCumlAAAAkGoL6Z0AAACQagzplQAAAJBqDemNAAAAkGoO6YUAAACQag/pfQAAAJBqEOt4jXQmAGoR63CNdCYA"
            + "ahLraI10JgBqE+tgjXQmAGoU61iNdCYAahXrUI10JgBqFutIjXQmAGoX60CNdCYAahjrOI10JgBqGeswjXQmAGoa6yiNdCYA"
            + "ahvrII10JgBqHOsYjXQmAGod6xCNdCYAah7rCI10JgBqH+sA+oscJL6TBBAA6FgAAACJ2OheAAAAsAroNwAAAOkb/v//sABm"
            + "uvkD7rCAZrr7A+6wAWa6+APusABmuvkD7rADZrr7A+6wx2a6+gPusANmuvwD7sNSUGa6/QPsqCB0+1hmuvgD7lrDrITAdAfo"
            + "4////+v0w1BTUYnDuQgAAADBwwSI2CQPBDA8OXYCBCfowv///+LqWVtYw410JgCQAAAAAAAAAAD//wAAAJrPAP//AAAAks8A"
            + "FwDYAxAAfwEAECAARVJST1IgcW1wa2l0IGd1ZXN0IG5lZWRzIFJBTSB1cCB0byAweDAzMDAwMDAwICg0OCBNaUIpOyBnaXZl"
            + "IFFFTVUgLW0gNjQgb3IgbW9yZQoAR1VFU1QgcW1wa2l0LWNvdW50ZXIgcGF0dGVybj0weAArMHgAIHhvcj0weAAgY291bnRl"
            + "cj0weABSRUFEWQoAQ09VTlQgAEZBVUxUIHZlY3Rvcj0weAA=";
}
