// The API's OpenAPI document in Swagger UI (swagger-ui-dist, served by the API itself).
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });
